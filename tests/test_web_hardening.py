"""What hostile input cannot do to the web surface: unsafe links in any output, huge bodies,
the calendar's edges, HEAD requests, the docs page's script policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from paperfeed.models import Paper
from paperfeed.store import Store

HOSTILE = Paper(id="seed-js", title="Links that run code", abstract="Nothing to see.",
                url="javascript:alert(1)", pdf_url="JaVaScRiPt:alert(2)",
                code_urls=("javascript:alert(3)", "https://github.com/ok/repo"),
                github_repo="javascript:alert(4)",
                published=datetime(2024, 1, 1, tzinfo=UTC))


@pytest.fixture
def hostile(client: TestClient, store: Store) -> TestClient:
    """A paper stored with unsafe links (as an older version's ingest could have let in)."""
    store.upsert_papers([HOSTILE])
    return client


@pytest.mark.parametrize("path", [
    "/feeds/daily.atom?date=2024-01-01", "/feeds/daily.rss?date=2024-01-01",
    "/papers/seed-js.md", "/api/v1/papers/seed-js", "/api/v1/papers?date=2024-01-01",
    "/api/papers/seed-js", "/api/daily_papers?date=2024-01-01", "/papers/seed-js",
])
def test_no_output_carries_an_unsafe_link(hostile: TestClient, path: str) -> None:
    response = hostile.get(path)
    assert response.status_code == 200, response.text
    assert "seed-js" in response.text
    assert "javascript" not in response.text.lower(), response.text
    if "feeds" not in path:  # the safe code link stays
        assert "github.com/ok/repo" in response.text


def test_a_body_over_the_cap_gets_413(client: TestClient) -> None:
    big = {"email": "a@example.org", "topics": ["x" * 100_000]}
    response = client.post("/api/v1/subscriptions", json=big)
    assert response.status_code == 413 and "64 kB" in response.json()["detail"]


def test_a_body_without_a_declared_length_is_cut_at_the_cap(client: TestClient) -> None:
    def chunks() -> object:
        yield b'{"email": "a@example.org", "topics": ["'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"]}'
    response = client.post("/api/v1/subscriptions", content=chunks(),  # type: ignore[arg-type]
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_422_never_echoes_the_input(client: TestClient) -> None:
    secret = "never-echo-" + "y" * 5000
    response = client.post("/api/v1/subscriptions", json={"email": 1, "topics": secret,
                                                            "send_hour": secret})
    assert response.status_code == 422
    assert "never-echo" not in response.text and len(response.text) < 2000


@pytest.mark.parametrize("email", ["ä@example.org", "a:b@example.org", "ada\x07@example.org",
                                   "Ada <ada@example.org>"])
def test_subscriptions_refuse_what_sign_in_refuses(client: TestClient, email: str) -> None:
    response = client.post("/api/v1/subscriptions", json={"email": email})
    assert response.status_code == 422
    assert "not an e-mail address" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(("path", "status"), [
    ("/daily/9999-12-31", 404), ("/weekly/9999-W52", 404), ("/daily/9999-12-31?page=2", 404),
    ("/api/v1/papers?week=9999-W52", 422), ("/api/daily_papers?week=9999-W52", 422),
    ("/monthly/9999-12", 200), ("/daily/0001-01-01", 200), ("/weekly/0001-W01", 200),
])
def test_the_calendar_edges_are_not_server_errors(hostile: TestClient, path: str,
                                                  status: int) -> None:
    assert hostile.get(path).status_code == status


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e308", "7.5", "24", "-1"])
def test_a_send_hour_that_is_not_an_hour_gets_422(client: TestClient, value: str) -> None:
    body = '{"email": "ada@example.org", "send_hour": ' + value + "}"
    response = client.post("/api/v1/subscriptions", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("path", [
    "/", "/daily", "/weekly/2024-W01", "/monthly", "/search?q=links", "/papers/seed-js",
    "/papers/seed-js.md", "/feeds/daily.atom", "/feeds/trending.rss", "/api/v1/papers",
    "/api/daily_papers", "/subscribe", "/signin", "/docs", "/openapi.json",
    "/static/style.css",
])
def test_head_answers_like_get_without_a_body(hostile: TestClient, path: str) -> None:
    got, head = hostile.get(path), hostile.head(path)
    assert head.status_code == got.status_code == 200, (path, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("etag") == got.headers.get("etag")


def test_head_on_a_missing_page_is_404(hostile: TestClient) -> None:
    assert hostile.head("/papers/no-such-paper").status_code == 404


def test_docs_allow_no_inline_script(client: TestClient) -> None:
    policy = client.get("/docs").headers["content-security-policy"]
    script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "<script>" not in client.get("/docs").text
