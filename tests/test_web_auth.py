"""Sign-in by magic link over a real SMTP server, sessions, CSRF, and votes from the page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from paperfeed.config import Settings
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.web.app import create_app
from smtp import SmtpServer

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def backend() -> str:
    """SQLite only: sign-in is backend-neutral; its store calls are tested on both backends
    (tests/test_web_store.py)."""
    return "sqlite"


@pytest.fixture
def web(settings: Settings, store: Store, smtp_server: SmtpServer) -> Iterator[TestClient]:
    store.upsert_papers([Paper(id="2401.00001", title="A votable paper", abstract="Text.",
                               published=datetime.now(UTC))])
    with TestClient(create_app(smtp_server.configure(settings), store)) as client:
        yield client


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def request_link(client: TestClient, smtp: SmtpServer, email: str, next_path: str = "/") -> str:
    """Ask for a sign-in mail and return the link in it."""
    form = client.get(f"/signin?next={next_path}")
    sent = client.post("/signin", data={"email": email, "next": next_path,
                                        "csrf_token": csrf(form.text)})
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    body = smtp.to(email)[-1].get_content()
    link = re.search(r"(https?://\S+/signin/verify\?token=\S+)", body)
    assert link, body
    return link.group(1)


def use_link(client: TestClient, link: str) -> TestClient:
    parts = urlsplit(link)
    confirm = client.get(f"{parts.path}?{parts.query}")
    token = parse_qs(parts.query)["token"][0]
    return client.post("/signin/verify", data={"token": token, "csrf_token": csrf(confirm.text)},
                       follow_redirects=False)  # type: ignore[return-value]


def sign_in(client: TestClient, smtp: SmtpServer, email: str = "ada@example.org") -> None:
    done = use_link(client, request_link(client, smtp, email))
    assert done.status_code == 303  # type: ignore[attr-defined]


def test_magic_link_signs_in_and_returns_to_the_page(web: TestClient,
                                                     smtp_server: SmtpServer) -> None:
    link = request_link(web, smtp_server, "Ada@Example.org", "/papers/2401.00001")
    mail = smtp_server.to("Ada@Example.org")[0]
    assert mail["Subject"] == "Sign in to paperfeed" and mail["Message-ID"]
    done = use_link(web, link)
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"] == "/papers/2401.00001"  # type: ignore[attr-defined]
    cookie = done.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "pf_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over http here
    assert "ada@example.org" in web.get("/").text


def test_a_magic_link_works_only_once(web: TestClient, smtp_server: SmtpServer) -> None:
    link = request_link(web, smtp_server, "ada@example.org")
    assert use_link(web, link).status_code == 303  # type: ignore[attr-defined]
    again = use_link(web, link)
    assert again.status_code == 400 and "already used" in again.text  # type: ignore[attr-defined]


def test_an_expired_or_forged_link_is_refused(web: TestClient, settings: Settings) -> None:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3600

    old = URLSafeTimedSerializer(settings.secret_key, salt="paperfeed", signer=Past).dumps(
        {"e": "ada@example.org", "n": "nonce", "x": "/"}, salt="signin")
    page = web.get(f"/signin/verify?token={old}")
    assert page.status_code == 400 and "expired" in page.text
    forged = URLSafeTimedSerializer("not-the-secret", salt="paperfeed").dumps(
        {"e": "eve@example.org", "n": "nonce", "x": "/"}, salt="signin")
    page = web.get(f"/signin/verify?token={forged}")
    assert page.status_code == 400 and "not valid" in page.text


@pytest.mark.parametrize("email", ["ada@example.org\r\nBcc: eve@example.org", "ä@example.org",
                                   "a:b@example.org", "ada\x07@example.org", "a,b@example.org"])
def test_sign_in_needs_a_valid_address(web: TestClient, smtp_server: SmtpServer,
                                       email: str) -> None:
    form = web.get("/signin")
    page = web.post("/signin", data={"email": email, "csrf_token": csrf(form.text)})
    assert page.status_code == 422 and "valid e-mail" in page.text
    assert smtp_server.count == 0


def test_only_one_link_a_minute_per_address(web: TestClient, smtp_server: SmtpServer) -> None:
    request_link(web, smtp_server, "ada@example.org")
    request_link(web, smtp_server, "ada@example.org")
    assert smtp_server.count == 1


def test_redirects_after_sign_in_stay_on_this_site(web: TestClient,
                                                   smtp_server: SmtpServer) -> None:
    done = use_link(web, request_link(web, smtp_server, "ada@example.org", "//evil.example/x"))
    assert done.headers["location"] == "/"  # type: ignore[attr-defined]


def test_session_cookie_is_secure_over_https(settings: Settings, store: Store,
                                             smtp_server: SmtpServer) -> None:
    app = create_app(smtp_server.configure(replace(settings, base_url="https://p.example")), store)
    with TestClient(app, base_url="https://testserver") as client:
        done = use_link(client, request_link(client, smtp_server, "ada@example.org"))
        assert "Secure" in done.headers["set-cookie"]  # type: ignore[attr-defined]
        assert "strict-transport-security" in client.get("/").headers


def test_the_session_cookie_holds_no_address(web: TestClient, smtp_server: SmtpServer) -> None:
    sign_in(web, smtp_server, "ada@example.org")
    cookie = web.cookies["pf_session"]
    _, payload = URLSafeTimedSerializer("any", salt="paperfeed").loads_unsafe(
        cookie, salt="session")
    assert set(payload) == {"r", "g"}
    assert "ada@example.org" in web.get("/").text  # still shown: looked up by reader id


def test_sign_out_ends_the_session(web: TestClient, smtp_server: SmtpServer) -> None:
    sign_in(web, smtp_server)
    home = web.get("/")
    assert "Sign out" in home.text
    out = web.post("/signout", data={"csrf_token": csrf(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and "pf_session=" in out.headers["set-cookie"]
    assert "Sign out" not in web.get("/").text


def test_sign_out_also_ends_a_copied_session_cookie(web: TestClient,
                                                    smtp_server: SmtpServer) -> None:
    sign_in(web, smtp_server)
    copied = web.cookies.get("pf_session")
    home = web.get("/")
    web.post("/signout", data={"csrf_token": csrf(home.text)}, follow_redirects=False)
    web.cookies.set("pf_session", copied)  # e.g. taken from the browser before signing out
    assert "Sign out" not in web.get("/").text
    web.app.state.auth.forget("ada@example.org")  # not a minute later: lift the link limit
    sign_in(web, smtp_server)  # signing in again gives a session that works
    assert "Sign out" in web.get("/").text


@pytest.mark.parametrize("path", ["/signin", "/signout", "/votes", "/signin/verify"])
def test_state_changing_forms_need_the_csrf_token(web: TestClient, path: str) -> None:
    web.get("/signin")  # the browser has a CSRF cookie, but the form carries no token
    data = {"email": "ada@example.org", "paper_id": "2401.00001", "token": "x"}
    assert web.post(path, data=data, headers=HTML).status_code == 403
    data["csrf_token"] = "0" * 64
    assert web.post(path, data=data, headers=HTML).status_code == 403


def test_upvote_toggles_with_a_form_post(web: TestClient, smtp_server: SmtpServer,
                                         store: Store) -> None:
    sign_in(web, smtp_server)
    page = web.get("/papers/2401.00001")
    assert 'aria-pressed="false"' in page.text
    voted = web.post("/votes", data={"paper_id": "2401.00001", "next": "/papers/2401.00001",
                                     "csrf_token": csrf(page.text)}, follow_redirects=False)
    assert voted.status_code == 303
    assert voted.headers["location"] == "/papers/2401.00001#paper-2401.00001"
    page = web.get("/papers/2401.00001")
    assert 'aria-pressed="true"' in page.text and 'class="count">1<' in page.text
    web.post("/votes", data={"paper_id": "2401.00001", "csrf_token": csrf(page.text)})
    assert store.vote_counts(["2401.00001"]) == {}


def test_upvote_answers_json_for_scripts(web: TestClient, smtp_server: SmtpServer) -> None:
    sign_in(web, smtp_server)
    token = csrf(web.get("/").text)
    first = web.post("/votes", data={"paper_id": "2401.00001", "csrf_token": token},
                     headers=JSON)
    assert first.json() == {"paper_id": "2401.00001", "voted": True, "votes": 1}
    second = web.post("/votes", data={"paper_id": "2401.00001", "csrf_token": token},
                      headers=JSON)
    assert second.json() == {"paper_id": "2401.00001", "voted": False, "votes": 0}
    missing = web.post("/votes", data={"paper_id": "nope", "csrf_token": token}, headers=JSON)
    assert missing.status_code == 404


def test_signed_out_upvote_leads_to_sign_in(web: TestClient) -> None:
    token = csrf(web.get("/signin").text)
    data = {"paper_id": "2401.00001", "next": "/papers/2401.00001", "csrf_token": token}
    answer = web.post("/votes", data=data, headers=JSON)
    assert answer.status_code == 401
    assert answer.json()["signin"] == "/signin?next=%2Fpapers%2F2401.00001"
    page = web.post("/votes", data=data, follow_redirects=False)
    assert page.headers["location"].startswith("/signin?next=")
    assert 'href="/signin?next=/papers/2401.00001"' in web.get("/").text


def test_signed_in_pages_are_not_shared_with_others(web: TestClient,
                                                    smtp_server: SmtpServer,
                                                    settings: Settings, store: Store) -> None:
    sign_in(web, smtp_server)
    assert "ada@example.org" in web.get("/").text
    with TestClient(create_app(settings, store)) as other:
        assert "ada@example.org" not in other.get("/").text
    assert web.get("/").headers["cache-control"].startswith("private")


def test_each_reader_sees_their_own_votes(web: TestClient, smtp_server: SmtpServer,
                                          settings: Settings, store: Store) -> None:
    sign_in(web, smtp_server, "ada@example.org")
    token = csrf(web.get("/papers/2401.00001").text)
    web.post("/votes", data={"paper_id": "2401.00001", "csrf_token": token}, headers=JSON)
    assert 'aria-pressed="true"' in web.get("/papers/2401.00001").text
    with TestClient(create_app(smtp_server.configure(settings), store)) as bob:
        sign_in(bob, smtp_server, "bob@example.org")
        page = bob.get("/papers/2401.00001").text
        assert 'aria-pressed="false"' in page and 'class="count">1<' in page
