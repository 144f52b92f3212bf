"""The polite upstream client against a real local server: pacing, retries, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import httpx
import pytest

from paperfeed.config import Settings, load_settings
from paperfeed.ingest.fetch import BrokenDocument, Upstream, UpstreamError, retry_after
from upstream import Reply, UpstreamServer, settings_for


@pytest.fixture
def base() -> Settings:
    return load_settings(environ={})


def text(response: httpx.Response) -> str:
    return response.text


def test_sends_user_agent_with_contact_and_spaces_requests(base: Settings,
                                                          upstream: UpstreamServer) -> None:
    upstream.route("/x", [Reply(body="ok")])
    settings = settings_for(base, upstream, request_interval=0.2)
    with Upstream(settings, "test") as client:
        assert [client.get(upstream.url("/x"), read=text) for _ in range(3)] == ["ok"] * 3
    hits = upstream.hits("/x")
    assert hits[0].headers["user-agent"].startswith("paperfeed/")
    assert "mailto:feeds@example.org" in hits[0].headers["user-agent"]
    gaps = [b.at - a.at for a, b in pairwise(hits)]
    assert min(gaps) >= 0.19  # never closer than request_interval


def test_429_and_503_are_retried_honouring_retry_after(base: Settings,
                                                       upstream: UpstreamServer) -> None:
    upstream.route("/x", [Reply(429, "slow down", headers={"Retry-After": "1"}),
                          Reply(503, "busy", headers={"Retry-After": "0"}), Reply(body="ok")])
    with Upstream(settings_for(base, upstream, http_retries=3), "test") as client:
        assert client.get(upstream.url("/x"), read=text) == "ok"
    hits = upstream.hits("/x")
    assert len(hits) == 3
    assert hits[1].at - hits[0].at >= 0.99  # waited as long as Retry-After asked


def test_gives_up_after_retries_saying_what_failed(base: Settings,
                                                   upstream: UpstreamServer) -> None:
    upstream.route("/x", [Reply(500, "boom")])
    with Upstream(settings_for(base, upstream, http_retries=2), "arXiv") as client, \
            pytest.raises(UpstreamError, match=r"arXiv: GET .*/x\?q=1 failed after 3 "
                                               r"attempt\(s\): HTTP 500"):
        client.get(upstream.url("/x"), {"q": 1}, read=text)
    assert len(upstream.hits("/x")) == 3


def test_client_errors_are_not_retried(base: Settings, upstream: UpstreamServer) -> None:
    upstream.route("/x", [Reply(400, "bad query")])
    with Upstream(settings_for(base, upstream), "test") as client, \
            pytest.raises(UpstreamError, match="answered HTTP 400: bad query"):
        client.get(upstream.url("/x"), read=text)
    assert len(upstream.hits("/x")) == 1


def test_dropped_connection_and_timeout_are_retried(base: Settings,
                                                    upstream: UpstreamServer) -> None:
    upstream.route("/x", [Reply(body="x" * 1000, cut_at=10), Reply(body="late", delay=1.0),
                          Reply(body="ok")])
    with Upstream(settings_for(base, upstream, http_timeout=0.3, http_retries=3),
                  "test") as client:
        assert client.get(upstream.url("/x"), read=text) == "ok"
    assert len(upstream.hits("/x")) == 3


def test_unreadable_body_is_retried_then_reported(base: Settings,
                                                  upstream: UpstreamServer) -> None:
    upstream.route("/x", [Reply(body="<feed>")])

    def read(response: httpx.Response) -> str:
        raise BrokenDocument("cut short")

    with Upstream(settings_for(base, upstream), "test") as client, \
            pytest.raises(UpstreamError, match=r"unreadable response \(cut short\)"):
        client.get(upstream.url("/x"), read=read)
    assert len(upstream.hits("/x")) == 3


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None
