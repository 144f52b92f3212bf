"""The discussion on the page and in the API (both backends, the real app in-process): forms
without script, one level of replies, own edits and deletes, moderation, rate limits, counts
on cards, the Markdown subset against hostile input, and numComments for huggingface_hub."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_papers import HOSTILE_TITLE
from browser.live import XSS_TITLE
from paperfeed.config import Settings
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.store.social import MAX_COMMENT_CHARS
from paperfeed.web.app import create_app
from paperfeed.web.markdown import render_markdown
from readerkit import HTML, JSON, sign_in_as
from test_api_hf import hf, live_url, no_internet  # noqa: F401 (fixtures)
from test_web_text import SMUGGLING_LATEX

ADMIN = "mod@example.org"


@pytest.fixture
def web(settings: Settings, store: Store) -> Iterator[TestClient]:
    store.upsert_papers([Paper(id="2401.00001", title="Grasping robots", abstract="Robots.",
                               published=None),
                         Paper(id="hep-th/9901001", title="Strings", abstract="Old ids.")])
    with TestClient(create_app(replace(settings, admin_emails=[ADMIN.upper()]), store)) as c:
        yield c


def _post(web: TestClient, token: str, body: str, paper: str = "2401.00001",
          parent: int | None = None, headers: dict[str, str] = HTML) -> Any:
    data = {"paper_id": paper, "body": body, "csrf_token": token}
    if parent is not None:
        data["parent_id"] = str(parent)
    return web.post("/comments", data=data, headers=headers, follow_redirects=False)


def _api(token: str) -> dict[str, str]:
    return {"X-CSRF-Token": token, **JSON}


def test_post_reply_edit_delete_with_forms(web: TestClient, store: Store) -> None:
    page = web.get("/papers/2401.00001").text
    assert "Sign in to join the discussion" in page and 'action="/comments"' not in page
    ada, token = sign_in_as(web, store, "ada@example.org")
    posted = _post(web, token, "Nice *result*; see $\\alpha^2$")
    assert posted.status_code == 303
    first = store.paper_comments("2401.00001")[0]
    assert posted.headers["location"] == f"/papers/2401.00001#comment-{first.id}"
    page = web.get("/papers/2401.00001").text
    assert "Nice <em>result</em>" in page and "<msup><mi>α</mi>" in page
    assert "Discussion <span class=\"count\">(1)</span>" in page
    assert f'action="/comments/{first.id}/edit"' in page  # own: edit and delete
    assert "ada@example.org</strong>" not in page and f"reader-{ada}" in page
    _, bob_token = sign_in_as(web, store, "bob@example.org")
    page = web.get("/papers/2401.00001").text
    assert f'action="/comments/{first.id}/edit"' not in page  # not bob's
    assert _post(web, bob_token, "Thanks!", parent=first.id).status_code == 303
    assert web.post(f"/comments/{first.id}/edit", data={"body": "stolen", "csrf_token":
                    bob_token}, headers=HTML).status_code == 404
    sign_in_as(web, store, "ada@example.org")
    assert web.post(f"/comments/{first.id}/edit", data={"body": "Edited", "csrf_token": token},
                    follow_redirects=False).status_code == 303
    assert web.post(f"/comments/{first.id}/delete", data={"csrf_token": token},
                    follow_redirects=False).status_code == 303
    page = web.get("/papers/2401.00001").text
    assert "Deleted by its author." in page and "Thanks!" in page and "Edited" not in page


def test_refusals_are_clear(web: TestClient, store: Store) -> None:
    assert _post(web, "x", "hi").status_code == 403  # no CSRF cookie
    _, token = sign_in_as(web, store, "ada@example.org")
    too_long = _post(web, token, "x" * (MAX_COMMENT_CHARS + 1))
    assert too_long.status_code == 400
    assert f"at most {MAX_COMMENT_CHARS} characters (this one has " \
        f"{MAX_COMMENT_CHARS + 1})" in too_long.text
    assert _post(web, token, "   ").status_code == 400
    assert _post(web, token, "hi", paper="nope").status_code == 404
    answer = web.post("/api/v1/papers/2401.00001/comments", json={"body": "y" * 6000},
                      headers=_api(token))
    assert answer.status_code == 400 and "at most 5000" in answer.json()["detail"]


def test_signed_out_posts_go_to_sign_in(web: TestClient, store: Store) -> None:
    sign_in_as(web, store, "ada@example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      web.get("/papers/2401.00001").text).group(1)  # type: ignore[union-attr]
    web.cookies.delete("pf_session")
    gone = _post(web, token, "hello")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/signin?next=")
    assert web.post("/api/v1/papers/2401.00001/comments", json={"body": "x"},
                    headers=_api(token)).status_code == 401


def test_rate_limit_per_reader(web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    codes = [_post(web, token, f"comment {i}").status_code for i in range(11)]
    assert codes == [303] * 10 + [429]
    refused = _post(web, token, "one more")
    assert int(refused.headers["Retry-After"]) > 0
    _, bob = sign_in_as(web, store, "bob@example.org")
    assert _post(web, bob, "another reader is not limited").status_code == 303


def test_moderators_hide_and_block(web: TestClient, store: Store) -> None:
    bob, bob_token = sign_in_as(web, store, "bob@example.org")
    _post(web, bob_token, "spam spam")
    spam = store.paper_comments("2401.00001")[0]
    assert web.post(f"/comments/{spam.id}/hide", data={"csrf_token": bob_token},
                    headers=HTML).status_code == 403  # not a moderator
    _, mod = sign_in_as(web, store, ADMIN)
    assert f'action="/comments/{spam.id}/hide"' in web.get("/papers/2401.00001").text
    assert web.post(f"/comments/{spam.id}/hide", data={"csrf_token": mod, "hidden": "1"},
                    follow_redirects=False).status_code == 303
    assert web.post("/moderation/block", data={"csrf_token": mod, "reader_id": str(bob),
                                                "blocked": "1", "next": "/papers/2401.00001"},
                    follow_redirects=False).status_code == 303
    web.cookies.clear()
    page = web.get("/papers/2401.00001").text
    assert "Hidden by a moderator." in page and "spam spam" not in page
    assert "(1)" not in page  # hidden comments are not counted
    sign_in_as(web, store, "bob@example.org")
    assert "spam spam" in web.get("/papers/2401.00001").text  # its author still sees it
    refused = _post(web, bob_token, "let me back")
    assert refused.status_code == 403 and "blocked" in refused.text
    edit = web.post(f"/comments/{spam.id}/edit", data={"body": "spam anew", "csrf_token":
                                                        bob_token}, headers=HTML)
    assert edit.status_code == 403 and store.get_comment(spam.id).body == "spam spam"  # type: ignore[union-attr]
    thread = web.get("/api/v1/papers/2401.00001/comments").json()
    assert thread["count"] == 0 and thread["comments"][0]["hidden"] is True
    assert thread["comments"][0]["body"] == "" and thread["comments"][0]["html"] == ""


def test_the_api(web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    assert web.post("/api/v1/papers/hep-th/9901001/comments", json={"body": "x"},
                    headers=JSON).status_code == 403  # no CSRF header
    made = web.post("/api/v1/papers/hep-th/9901001/comments", json={"body": "**Old** ids"},
                    headers=_api(token))
    assert made.status_code == 201
    first = made.json()
    assert first["html"] == "<p><strong>Old</strong> ids</p>\n" and first["author"].startswith(
        "reader-")
    reply = web.post("/api/v1/papers/hep-th/9901001/comments",
                     json={"body": "me too", "parent_id": first["id"]}, headers=_api(token))
    assert reply.json()["parent_id"] == first["id"]
    edited = web.patch(f"/api/v1/comments/{first['id']}", json={"body": "changed"},
                       headers=_api(token))
    assert edited.json()["body"] == "changed" and edited.json()["edited_at"]
    thread = web.get("/api/v1/papers/hep-th/9901001/comments").json()
    assert thread["count"] == 2 and thread["comments"][0]["replies"][0]["body"] == "me too"
    assert web.delete(f"/api/v1/comments/{reply.json()['id']}",
                      headers=_api(token)).status_code == 204
    assert web.delete(f"/api/v1/comments/{reply.json()['id']}",
                      headers=_api(token)).status_code == 404
    assert web.get("/api/v1/papers/nope/comments").status_code == 404
    assert web.get("/api/v1/papers/hep-th/9901001").status_code == 200  # still the paper


def test_counts_on_cards_and_the_profile(web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    _post(web, token, "one")
    _post(web, token, "two")
    web.cookies.clear()
    listing = web.get("/search?q=grasping&mode=keyword").text
    assert 'href="/papers/2401.00001#discussion">2 comments</a>' in listing
    _, token = sign_in_as(web, store, "ada@example.org")
    assert 'id="profile"' in web.get("/account").text
    assert web.post("/account/profile", data={"csrf_token": token, "display_name": "Ada L.",
                                              "digest_replies": "1"},
                    follow_redirects=False).status_code == 303
    assert "<strong class=\"author\">Ada L.</strong>" in web.get("/papers/2401.00001").text
    bad = web.post("/account/profile", data={"csrf_token": token, "display_name": "x" * 41},
                   headers=HTML)
    assert bad.status_code == 400 and "at most 40 characters" in bad.text


# -- hostile Markdown ------------------------------------------------------------------------

MARKDOWN_ATTACKS = [
    XSS_TITLE, HOSTILE_TITLE, *SMUGGLING_LATEX,
    "[click](javascript:alert(1))", "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<javascript:alert(1)>", "[x](vbscript:msgbox(1))", "[x](//evil.example/)",
    '[x](https://ok.example/ "t\\" onmouseover=\\"alert(1)")',
    "![img](https://x.example/a.png)", '<a href="https://x.example" onclick="alert(1)">a</a>',
    "<iframe src=javascript:alert(1)>", "<svg onload=alert(1)>",
    "```\n</code><script>x</script>\n```",
    "<details open ontoggle=alert(1)>", "[x](https://ok.example/\"onmouseover=\"alert(1))",
    "$$\\href{javascript:alert(1)}{x}$$", "*<style>body{display:none}</style>*",
]
ALLOWED_TAGS = {"p", "em", "strong", "s", "code", "pre", "ul", "ol", "li", "blockquote", "a",
                "br", "span", "div"} | {"math", "mrow", "mi", "mn", "mo", "msup", "msub",
                                        "mtext", "mstyle", "mspace", "munder", "mover"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("text", MARKDOWN_ATTACKS)
def test_markdown_never_passes_markup_or_unsafe_links(text: str) -> None:
    parser = _Tags()
    parser.feed(str(render_markdown(text)))
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, text)
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (name, text)
            if name == "href":
                assert value is not None and value.lower().startswith(("http://", "https://"))
        if tag == "a":
            assert ("rel", "nofollow ugc noopener") in attrs


def test_markdown_subset_renders() -> None:
    html = str(render_markdown("*a* **b** ~~c~~ `d`\n\n- one\n- two\n\n1. x\n\n> q\n\n"
                               "[link](https://example.org/x_y) costs $5 and $10"))
    for part in ("<em>a</em>", "<strong>b</strong>", "<s>c</s>", "<code>d</code>",
                 "<ul>\n<li>one</li>", "<ol>\n<li>x</li>", "<blockquote>",
                 '<a href="https://example.org/x_y" rel="nofollow ugc noopener">link</a>',
                 "costs $5 and $10"):
        assert part in html, part
    assert "<h1>" not in str(render_markdown("# not a heading"))


def test_hostile_comment_on_the_page_stays_text(web: TestClient, store: Store) -> None:
    _, token = sign_in_as(web, store, "ada@example.org")
    _post(web, token, XSS_TITLE + "\n\n[x](javascript:alert(1))")
    page = web.get("/papers/2401.00001").text
    assert "<script>window.__xss" not in page and "javascript:alert" in page
    assert 'href="javascript' not in page


# -- huggingface_hub -------------------------------------------------------------------------

def test_huggingface_hub_reads_num_comments(hf: Any, store: Store) -> None:  # noqa: F811
    store.upsert_papers([Paper(id="2401.00001", title="Grasping robots", abstract="Robots.")])
    ada = store.get_or_create_reader("ada@example.org")
    top = store.add_comment(ada, "2401.00001", "first")
    store.add_comment(ada, "2401.00001", "second", top.id)
    info = hf.paper_info("2401.00001")
    assert info.comments == 2 and info.discussion_id == "2401.00001"
    listed = list(hf.list_papers(query="grasping robots"))
    assert [p.comments for p in listed if p.id == "2401.00001"] == [2]
