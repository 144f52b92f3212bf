"""Collections on the page and in the API (both backends, the real app in-process): made from
a card, notes and order set by the owner, private ones invisible to others, public ones with
a page, Atom/RSS feeds that feedparser reads and a BibTeX export; hostile names and notes."""

from __future__ import annotations

import re
from typing import Any

import feedparser
import pytest
from bibtexparser.entrypoint import parse_string
from fastapi.testclient import TestClient

from api_papers import HOSTILE_TITLE
from browser.live import XSS_TITLE
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.store.social import MAX_NAME_CHARS, MAX_NOTE_CHARS
from readerkit import HTML, JSON, sign_in_as

PAPERS = [Paper(id="2401.00001", title="Grasping robots", abstract="Robots grasp.",
                authors=()),
          Paper(id="2401.00002", title="Folding proteins", abstract="Proteins fold."),
          Paper(id="hep-th/9901001", title="Strings {and} \\branes", abstract="Old ids.")]


@pytest.fixture
def web(client: TestClient, store: Store) -> TestClient:
    store.upsert_papers(PAPERS)
    return client


def _add(web: TestClient, token: str, paper: str, *, collection: int | None = None,
         new: str = "", note: str = "") -> Any:
    return web.post("/collections/add", data={
        "paper_id": paper, "collection_id": "" if collection is None else str(collection),
        "new_name": new, "note": note, "next": "/search?q=robots", "csrf_token": token},
        headers=HTML, follow_redirects=False)


def _api(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token, **JSON}


def test_from_a_card_to_a_public_collection(web: TestClient, store: Store) -> None:
    reader, token = sign_in_as(web, store, "ada@example.org")
    page = web.get("/search?q=robots&mode=keyword").text
    assert 'action="/collections/add"' in page and "Add to collection" in page
    added = _add(web, token, "2401.00001", new="To read", note="*key* idea")
    assert added.status_code == 303
    assert added.headers["location"] == "/search?q=robots#paper-2401.00001"
    (made,) = store.reader_collections(reader)
    assert (made.name, made.public) == ("To read", False)
    page = web.get("/papers/2401.00002").text  # the new collection is offered now
    assert f'<option value="{made.id}">To read</option>' in page
    _add(web, token, "2401.00002", collection=made.id)
    _add(web, token, "hep-th/9901001", collection=made.id)
    page = web.get(f"/collections/{made.id}").text
    assert page.index("Grasping robots") < page.index("Folding proteins") < page.index(
        "Strings")
    assert "<em>key</em> idea" in page and "Private collection" in page
    # the owner moves the last paper up, then takes the first out
    web.post(f"/collections/{made.id}/items", data={"paper_id": "hep-th/9901001",
                                                     "action": "up", "csrf_token": token})
    assert [i.paper_id for i in store.collection_items(made.id)] == \
        ["2401.00001", "hep-th/9901001", "2401.00002"]
    web.post(f"/collections/{made.id}/items", data={"paper_id": "2401.00001",
                                                     "action": "remove", "csrf_token": token})
    web.post(f"/collections/{made.id}/items", data={"paper_id": "2401.00002", "action": "note",
                                                     "note": "see fig. 2", "csrf_token": token})
    web.post(f"/collections/{made.id}/edit", data={"name": "Reading group", "public": "1",
                                                    "csrf_token": token})
    web.cookies.clear()  # anyone may read a public collection
    page = web.get(f"/collections/{made.id}").text
    assert "Reading group" in page and "see fig. 2" in page and "Grasping" not in page
    assert f'href="/collections/{made.id}.atom"' in page
    assert 'action="/collections/' not in page  # no owner controls for others


def test_feeds_and_bibtex_of_a_public_collection(web: TestClient, store: Store) -> None:
    reader, _ = sign_in_as(web, store, "ada@example.org")
    made = store.create_collection(reader, "Old & new <ideas>", public=True)
    for pid in ("hep-th/9901001", "2401.00002"):
        store.add_to_collection(reader, made.id, pid)
    web.cookies.clear()
    atom = web.get(f"/collections/{made.id}.atom")
    assert atom.status_code == 200 and atom.headers["content-type"].startswith(
        "application/atom+xml")
    feed = feedparser.parse(atom.content)
    assert not feed.bozo and feed.feed.title.endswith("Old & new <ideas>")
    assert [e.title for e in feed.entries] == ["Strings {and} \\branes", "Folding proteins"]
    rss = feedparser.parse(web.get(f"/collections/{made.id}.rss").content)
    assert not rss.bozo and len(rss.entries) == 2
    again = web.get(f"/collections/{made.id}.atom", headers={"If-None-Match":
                                                               atom.headers["etag"]})
    assert again.status_code == 304
    bib = web.get(f"/collections/{made.id}.bib")
    library = parse_string(bib.text)
    assert [e["eprint"] for e in library.entries] == ["hep-th/9901001", "2401.00002"]
    assert not library.failed_blocks
    store.update_collection(reader, made.id, public=False)
    for suffix in (".atom", ".rss", ".bib", ""):
        assert web.get(f"/collections/{made.id}{suffix}").status_code == 404


def test_private_collections_and_changes_are_the_owners_alone(web: TestClient,
                                                              store: Store) -> None:
    ada, _ = sign_in_as(web, store, "ada@example.org")
    made = store.create_collection(ada, "Secret plans")
    store.add_to_collection(ada, made.id, "2401.00001")
    assert "Secret plans" in web.get(f"/collections/{made.id}").text
    _, bob = sign_in_as(web, store, "bob@example.org")
    assert web.get(f"/collections/{made.id}").status_code == 404
    assert web.get(f"/api/v1/collections/{made.id}").status_code == 404
    for path, data in ((f"/collections/{made.id}/edit", {"name": "Mine now"}),
                       (f"/collections/{made.id}/delete", {}),
                       (f"/collections/{made.id}/items", {"paper_id": "2401.00001",
                                                          "action": "remove"})):
        assert web.post(path, data={**data, "csrf_token": bob},
                        headers=HTML).status_code == 404
    assert _add(web, bob, "2401.00002", collection=made.id).status_code == 404
    assert web.delete(f"/api/v1/collections/{made.id}", headers=_api(bob)).status_code == 404
    assert [i.paper_id for i in store.collection_items(made.id)] == ["2401.00001"]
    web.cookies.clear()
    assert web.get("/collections", follow_redirects=False).status_code == 303


def test_hostile_names_and_notes_stay_text(web: TestClient, store: Store) -> None:
    reader, token = sign_in_as(web, store, "ada@example.org")
    _add(web, token, "2401.00001", new=XSS_TITLE, note=HOSTILE_TITLE + " [x](javascript:a)")
    (made,) = store.reader_collections(reader)
    for path in ("/collections", f"/collections/{made.id}", "/papers/2401.00001"):
        page = web.get(path).text
        assert "<script>window.__xss" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page, path
    assert 'href="javascript' not in web.get(f"/collections/{made.id}").text
    long_name = _add(web, token, "2401.00001", new="n" * (MAX_NAME_CHARS + 1))
    assert long_name.status_code == 400 and f"at most {MAX_NAME_CHARS} characters" in \
        long_name.text
    long_note = _add(web, token, "2401.00002", collection=made.id,
                     note="x" * (MAX_NOTE_CHARS + 1))
    assert long_note.status_code == 400 and f"at most {MAX_NOTE_CHARS}" in long_note.text
    assert _add(web, token, "2401.00002").status_code == 400  # no collection chosen


def test_the_api(web: TestClient, store: Store) -> None:
    assert web.get("/api/v1/collections").status_code == 401
    _, token = sign_in_as(web, store, "ada@example.org")
    assert web.post("/api/v1/collections", json={"name": "x"}, headers=JSON).status_code == 403
    made = web.post("/api/v1/collections", json={"name": "Survey", "public": True},
                    headers=_api(token))
    assert made.status_code == 201
    cid = made.json()["id"]
    for pid in ("2401.00001", "2401.00002", "hep-th/9901001"):
        web.post(f"/api/v1/collections/{cid}/items", json={"paper_id": pid},
                 headers=_api(token))
    body = web.put(f"/api/v1/collections/{cid}/order", json={
        "paper_ids": ["hep-th/9901001", "2401.00001", "2401.00002"]}, headers=_api(token))
    assert [i["paper"]["id"] for i in body.json()["items"]] == \
        ["hep-th/9901001", "2401.00001", "2401.00002"]
    assert web.put(f"/api/v1/collections/{cid}/order", json={"paper_ids": ["2401.00001"]},
                   headers=_api(token)).status_code == 400
    noted = web.patch(f"/api/v1/collections/{cid}/items/hep-th/9901001",
                      json={"note": "**classic**"}, headers=_api(token)).json()
    assert noted["items"][0]["note_html"] == "<p><strong>classic</strong></p>\n"
    gone = web.delete(f"/api/v1/collections/{cid}/items/2401.00001", headers=_api(token))
    assert gone.json()["size"] == 2
    renamed = web.patch(f"/api/v1/collections/{cid}", json={"name": "Survey v2"},
                        headers=_api(token)).json()
    assert renamed["name"] == "Survey v2" and renamed["public"] is True
    assert [c["name"] for c in web.get("/api/v1/collections").json()] == ["Survey v2"]
    web.cookies.clear()
    public = web.get(f"/api/v1/collections/{cid}").json()
    assert public["owner"].startswith("reader-") and "@" not in public["owner"]
    _, token = sign_in_as(web, store, "ada@example.org")
    assert web.delete(f"/api/v1/collections/{cid}", headers=_api(token)).status_code == 204
    assert web.get(f"/api/v1/collections/{cid}").status_code == 404


def test_rate_limited(web: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from paperfeed.web import social

    monkeypatch.setitem(social.LIMITS, "collection", ((3, timedelta(hours=1)),))
    _, token = sign_in_as(web, store, "ada@example.org")
    codes = [web.post("/api/v1/collections", json={"name": f"c{i}"},
                      headers=_api(token)).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    assert re.fullmatch(r"\d+", web.post("/api/v1/collections", json={"name": "c"},
                                         headers=_api(token)).headers["Retry-After"])


def test_the_account_export_holds_comments_and_collections(web: TestClient,
                                                           store: Store) -> None:
    reader, _ = sign_in_as(web, store, "ada@example.org")
    made = store.create_collection(reader, "Mine", public=True)
    store.add_to_collection(reader, made.id, "2401.00002", "a note")
    store.create_collection(reader, "Empty")
    store.add_comment(reader, "2401.00001", "my words")
    data = web.get("/account/export.json").json()
    assert [c["body"] for c in data["comments"]] == ["my words"]
    assert data["collections"] == [
        {"name": "Mine", "public": True, "created_at": made.created_at,
         "papers": [{"paper_id": "2401.00002", "note": "a note"}]},
        {"name": "Empty", "public": False, "created_at": data["collections"][1]["created_at"],
         "papers": []}]
