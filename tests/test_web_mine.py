"""The reader's own pages: signal buttons, /for-you, onboarding, import, /saved, /account and
the private feed (both backends; the real app in-process)."""

from __future__ import annotations

import json
from dataclasses import replace

import feedparser
import pytest
from bibtexparser.entrypoint import parse_string
from fastapi.testclient import TestClient

from paperfeed.config import Settings
from paperfeed.index.derive import derive_cards
from paperfeed.rank.library import MAX_BYTES
from paperfeed.store import Store
from paperfeed.web.app import create_app
from readerkit import HTML, JSON, csrf, sign_in_as, topical_papers
from smtp import SmtpServer


@pytest.fixture
def web(client: TestClient, store: Store) -> TestClient:
    store.upsert_papers(topical_papers())
    return client


def _mark(web: TestClient, token: str, paper: str, kind: str, on: str = "1",
          headers: dict[str, str] | None = None) -> object:
    return web.post("/signals", data={"paper_id": paper, "kind": kind, "on": on,
                                      "next": "/daily", "csrf_token": token},
                    headers=headers or HTML, follow_redirects=False)


def test_cards_carry_the_readers_buttons_and_forms_work_without_script(
        web: TestClient, store: Store) -> None:
    assert 'action="/signals"' not in web.get("/daily").text  # signed out: no buttons
    reader, token = sign_in_as(web, store, "ada@example.org")
    page = web.get("/daily").text
    assert page.count('action="/signals"') >= 4 * 4
    done = _mark(web, token, "robot-0", "save")
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"] == "/daily#paper-robot-0"  # type: ignore[attr-defined]
    assert 'class="mark-save" data-kind="save" data-label="Save" data-pressed-label="Saved" ' \
        'aria-pressed="true"' in web.get("/daily").text
    answer = _mark(web, token, "robot-0", "hide", headers=JSON)
    assert answer.json()["signals"] == ["hide"]  # type: ignore[attr-defined]
    assert store.signal_states(reader, ["robot-0"]) == {"robot-0": {"hide"}}
    assert _mark(web, token, "nope", "save").status_code == 404  # type: ignore[attr-defined]


def test_signals_are_not_shown_to_other_readers(web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    _mark(web, token, "robot-0", "save")
    sign_in_as(web, store, "bob@example.org")
    assert 'aria-pressed="true"' not in web.get("/papers/robot-0").text


def test_a_reader_without_signals_is_sent_to_onboarding(web: TestClient,
                                                        store: Store) -> None:
    assert web.get("/for-you", follow_redirects=False).headers["location"] == \
        "/signin?next=%2Ffor-you"
    _, token = sign_in_as(web, store, "ada@example.org")
    moved = web.get("/for-you", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/onboarding"
    onboarding = web.get("/onboarding?q=protein+folding")
    assert "learned from <strong>0</strong> signals" in onboarding.text
    assert 'value="like"' in onboarding.text and "protein-" in onboarding.text
    _mark(web, token, "protein-0", "like")
    saved = web.post("/onboarding", data={"topics": "protein folding\n", "categories":
                                          ["q-bio.BM"], "csrf_token": token},
                     follow_redirects=False)
    assert saved.headers["location"] == "/for-you"
    assert "learned from <strong>2</strong> signals" in web.get("/onboarding").text
    feed = web.get("/for-you?days=7")
    assert feed.status_code == 200 and "Why: " in feed.text
    assert "protein-1" in feed.text and "robot-1" not in feed.text  # only q-bio.BM
    bad = web.post("/onboarding", data={"categories": ["<script>"], "csrf_token": token})
    assert bad.status_code == 422 and "<script>" not in bad.text


def test_importing_ids_and_bibtex_likes_the_matches_and_lists_the_rest(
        web: TestClient, store: Store) -> None:
    reader, token = sign_in_as(web, store, "ada@example.org")
    [paper] = store.get_papers(["protein-2"])
    store.upsert_papers([replace(paper, doi="10.5555/Fold.2")])
    pasted = web.post("/import", data={"text": "https://arxiv.org/abs/robot-0\nrobot-1\n"
                                               "2401.99999v2", "csrf_token": token})
    assert pasted.status_code == 200
    bib = (b"@article{a, title={Robot {G}rasping with Tactile Sensors}, year={2024}}\n"
           b"@misc{b, doi={10.5555/fold.2}}\n@misc{c, title={Unknown work here}}\n")
    done = web.post("/import", data={"csrf_token": token},
                    files={"bibtex": ("lib.bib", bib, "text/x-bibtex")})
    assert done.status_code == 200, done.text
    assert "2 papers found here" in done.text and "Unknown work here" in done.text
    assert set(store.reader_signals(reader).liked) == {"robot-0", "protein-2"}  # type: ignore[union-attr]


@pytest.mark.parametrize("body", [b"this is not bibtex at all\n",
                                  b"@article{a, title={cut off",
                                  b"\xff\xfe\x00binary",
                                  b"@misc{a, title={Protein folding with diffusion models}}\n"
                                  + b"%" * MAX_BYTES])
def test_a_bad_library_file_imports_nothing(web: TestClient, store: Store,
                                            body: bytes) -> None:
    reader, token = sign_in_as(web, store, "ada@example.org")
    answer = web.post("/import", data={"csrf_token": token},
                      files={"bibtex": ("lib.bib", body, "text/plain")})
    assert answer.status_code == 422 and "Nothing was imported" in answer.text
    assert store.reader_signals(reader).count == 0  # type: ignore[union-attr]


def test_saved_papers_show_updates_and_export(web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    for pid in ("robot-0", "protein-1"):
        _mark(web, token, pid, "save")
    [paper] = store.get_papers(["robot-0"])
    store.upsert_papers([replace(paper, version=3, journal_ref="J. Robots 1 (2026)",
                                 title="Robot {grasping} } @misc{evil,")])
    page = web.get("/saved")
    assert "Update: new version v3; published in J. Robots 1 (2026)" in page.text
    bib = parse_string(web.get("/saved.bib").text)
    assert not bib.failed_blocks and len(bib.entries) == 2
    exported = json.loads(web.get("/saved.json").text)
    assert {e["id"] for e in exported} == {"robot-0", "protein-1"}
    web.post("/saved/seen", data={"csrf_token": token})
    assert "Update:" not in web.get("/saved").text


def test_for_you_and_saved_cards_show_what_index_derived(web: TestClient,
                                                          store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    for pid in ("robot-0", "robot-1", "robot-2"):
        _mark(web, token, pid, "save")
    assert "Extractive summary" not in web.get("/saved").text  # not derived yet
    derive_cards(store)
    for page in (web.get("/saved").text, web.get("/for-you?days=7").text):
        assert "Extractive summary" in page and 'class="kp" href="/search?q=%22' in page


def test_the_private_feed_parses_and_a_revoked_address_is_gone(web: TestClient,
                                                              store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    _mark(web, token, "robot-0", "save")
    page = web.get("/account").text
    atom_url = page.split('id="feed-atom">')[1].split("<")[0]
    path = "/" + atom_url.split("/", 3)[3]
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse(web.get(path.replace(".atom", f".{fmt}")).content)
        assert not parsed.bozo and parsed.entries
        assert parsed.entries[0].link.endswith("/papers/robot-1") or \
            any("robot-" in e.link for e in parsed.entries)
    web.post("/account/feed-token", data={"csrf_token": csrf(page)})
    assert web.get(path).status_code == 404
    assert web.get("/feeds/for-you/not-a-token.atom").status_code == 404


def test_account_export_has_every_signal_and_delete_removes_them(web: TestClient,
                                                                store: Store) -> None:
    reader, token = sign_in_as(web, store, "ada@example.org")
    for kind, pid in (("save", "robot-0"), ("hide", "robot-1"), ("more", "robot-2"),
                      ("less", "protein-0"), ("like", "protein-1")):
        _mark(web, token, pid, kind)
    web.post("/follow", data={"name": "Ada Lovelace", "csrf_token": token})
    data = web.get("/account/export.json").json()
    assert {(s["kind"], s["paper_id"]) for s in data["signals"]} == {
        ("save", "robot-0"), ("hide", "robot-1"), ("more", "robot-2"), ("less", "protein-0"),
        ("like", "protein-1")}
    assert [a["name"] for a in data["followed_authors"]] == ["Ada Lovelace"]
    refused = web.post("/account/delete", data={"csrf_token": token})
    assert refused.status_code == 422 and store.reader_signals(reader) is not None
    gone = web.post("/account/delete", data={"confirm": "delete", "csrf_token": token})
    assert gone.status_code == 200 and "pf_session=;" in gone.headers["set-cookie"]
    assert store.reader_signals(reader) is None and store.export_reader(reader) is None


def test_a_signed_in_reader_subscribes_their_address_without_a_confirmation_mail(
        settings: Settings, store: Store, smtp_server: SmtpServer) -> None:
    with TestClient(create_app(smtp_server.configure(settings), store)) as web:
        reader, _ = sign_in_as(web, store, "ada@example.org")
        form = web.get("/subscribe")
        done = web.post("/subscribe", data={"email": "Ada@example.org", "topics": "robots",
                                            "csrf_token": csrf(form.text)})
        assert done.status_code == 200 and "You are subscribed" in done.text
        sub = store.find_subscription("ada@example.org")
        assert sub is not None and sub.status == "active" and sub.reader_id == reader
        other = web.post("/subscribe", data={"email": "eve@example.org",
                                             "csrf_token": csrf(form.text)})
        assert other.status_code == 200 and "You are subscribed" not in other.text
        assert store.find_subscription("eve@example.org").status == "pending"  # type: ignore[union-attr]
    assert [m["To"] for m in smtp_server.messages] == ["eve@example.org"]


def test_imports_are_rate_limited_per_reader(web: TestClient, store: Store) -> None:
    from paperfeed.web.readers import LIMITS

    _, token = sign_in_as(web, store, "ada@example.org")
    for _ in range(LIMITS["import"][0]):
        assert web.post("/import", data={"text": "robot-0", "csrf_token": token}).status_code \
            == 200
    refused = web.post("/import", data={"text": "robot-0", "csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
