"""RSS and Atom feeds, parsed by feedparser: well-formed, every entry's fields checked."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from api_papers import BY_ID, HOSTILE_TITLE, seed
from paperfeed.plaintext import plain_text
from paperfeed.store import Store
from paperfeed.web.feedxml import clean

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def seeded(client: TestClient, store: Store) -> TestClient:
    seed(store, votes={"2401.00001": 2, "2401.00002": 1})
    return client


def parse(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    kind = "atom" if ".atom" in url else "rss"
    assert response.headers["content-type"] == f"application/{kind}+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if kind == "atom" else "rss20")
    return feed


def when(parsed: Any) -> datetime:
    return datetime(*parsed[:6], tzinfo=UTC)


def check_entry(entry: Any, kind: str) -> None:
    """Every field of an entry against the stored paper it stands for."""
    paper_id = entry.id if kind == "rss" else entry.id.removeprefix("urn:paperfeed:paper:")
    paper = BY_ID[paper_id]
    assert entry.title == clean(plain_text(paper.title))  # LaTeX as text
    assert entry.link == f"{BASE}/papers/{paper.id}"
    summary = entry.summary if kind == "atom" else html.unescape(entry.summary)
    assert summary == clean(plain_text(paper.abstract))
    assert [a["name"] for a in entry.authors] == list(paper.author_names)
    assert [t.term for t in entry.tags] == list(paper.categories)
    assert when(entry.published_parsed) == paper.published
    if paper.url:
        assert paper.url in [link.href for link in entry.links if link.rel == "related"]
    if kind == "atom":
        expected = paper.updated or paper.published
        assert when(entry.updated_parsed) == expected


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_daily_feed_lists_the_newest_day_and_any_day(seeded: TestClient, kind: str) -> None:
    newest = parse(seeded, f"/feeds/daily.{kind}")
    assert [e.id.rsplit(":", 1)[-1] for e in newest.entries] == ["2401.00003"]
    day = parse(seeded, f"/feeds/daily.{kind}", date="2024-01-02")
    assert "2024-01-02" in day.feed.title and day.feed.title.startswith("paperfeed: ")
    assert len(day.entries) == 2
    for entry in day.entries:
        check_entry(entry, kind)
    assert day.entries[0].link.endswith("2401.00001")  # trending: most votes first


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_trending_feed_ranks_by_votes(seeded: TestClient, kind: str) -> None:
    feed = parse(seeded, f"/feeds/trending.{kind}")
    assert [e.link.rsplit("/", 1)[-1] for e in feed.entries][:2] == ["2401.00001",
                                                                     "2401.00002"]
    for entry in feed.entries:
        check_entry(entry, kind)


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_category_feed_takes_a_category_or_a_whole_archive(seeded: TestClient,
                                                           kind: str) -> None:
    feed = parse(seeded, f"/feeds/category/cs.CL.{kind}")
    assert [e.link.rsplit("/", 1)[-1] for e in feed.entries] == ["2401.00003", "2401.00001"]
    archive = parse(seeded, f"/feeds/category/cs.{kind}")
    assert {e.link.rsplit("/", 1)[-1] for e in archive.entries} == {
        "2401.00003", "2401.00001", "seed-hostile"}
    for entry in feed.entries + archive.entries:
        check_entry(entry, kind)
    assert seeded.get(f"/feeds/category/cs%20LG.{kind}").status_code == 422


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_search_feed_honours_filters_and_exclusions(seeded: TestClient, kind: str) -> None:
    feed = parse(seeded, f"/feeds/search.{kind}", q="models", mode="keyword")
    assert {e.link.rsplit("/", 1)[-1] for e in feed.entries} == {"2401.00002", "2401.00003"}
    excluded = parse(seeded, f"/feeds/search.{kind}", q="models -diffusion", mode="keyword")
    assert [e.link.rsplit("/", 1)[-1] for e in excluded.entries] == ["2401.00003"]
    filtered = parse(seeded, f"/feeds/search.{kind}", q="models", category="q-bio.BM")
    assert [e.link.rsplit("/", 1)[-1] for e in filtered.entries] == ["2401.00002"]
    dated = parse(seeded, f"/feeds/search.{kind}", q="models", date_from="2024-01-03")
    assert [e.link.rsplit("/", 1)[-1] for e in dated.entries] == ["2401.00003"]
    for entry in feed.entries:
        check_entry(entry, kind)
    assert "models -diffusion" in excluded.feed.title


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_hostile_text_is_escaped_and_control_bytes_dropped(seeded: TestClient,
                                                           kind: str) -> None:
    raw = seeded.get(f"/feeds/category/cs.CR.{kind}").content
    assert b"<script>" not in raw and b"<img" not in raw and b"\x00" not in raw
    feed = parse(seeded, f"/feeds/category/cs.CR.{kind}")
    (entry,) = feed.entries
    check_entry(entry, kind)
    assert entry.title == clean(HOSTILE_TITLE)
    hostile_query = parse(seeded, f"/feeds/search.{kind}", q='"]]><x>\x01 &amp;')
    assert "]]><x>" in hostile_query.feed.title


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feeds_answer_conditional_requests(seeded: TestClient, store: Store,
                                           kind: str) -> None:
    first = seeded.get(f"/feeds/daily.{kind}", params={"date": "2024-01-02"})
    assert first.headers["cache-control"] == "public, max-age=900"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert seeded.get(f"/feeds/daily.{kind}", params={"date": "2024-01-02"},
                      headers={"If-None-Match": etag}).status_code == 304
    assert seeded.get(f"/feeds/daily.{kind}", params={"date": "2024-01-02"},
                      headers={"If-Modified-Since": modified}).status_code == 304
    assert seeded.get(f"/feeds/daily.{kind}", params={"date": "2024-01-02"},
                      headers={"If-None-Match": '"other"'}).status_code == 200
    store.toggle_vote(store.get_or_create_reader("late@example.org"), "2401.00002")
    store.toggle_vote(store.get_or_create_reader("later@example.org"), "2401.00002")
    assert seeded.get(f"/feeds/daily.{kind}", params={"date": "2024-01-02"},
                      headers={"If-None-Match": etag}).status_code == 200


def test_guids_are_stable_paper_ids(seeded: TestClient) -> None:
    rss = parse(seeded, "/feeds/daily.rss", date="2024-01-02")
    atom = parse(seeded, "/feeds/daily.atom", date="2024-01-02")
    assert sorted(e.id for e in rss.entries) == ["2401.00001", "2401.00002"]
    assert sorted(e.id for e in atom.entries) == ["urn:paperfeed:paper:2401.00001",
                                                  "urn:paperfeed:paper:2401.00002"]
    assert all(e.guidislink is False for e in rss.entries)


def test_empty_feeds_are_still_valid(client: TestClient) -> None:
    for kind in ("atom", "rss"):
        assert parse(client, f"/feeds/daily.{kind}").entries == []
        assert parse(client, f"/feeds/trending.{kind}").entries == []


def test_bad_feed_parameters_get_4xx_with_a_message(seeded: TestClient) -> None:
    assert seeded.get("/feeds/daily.json").status_code == 422
    response = seeded.get("/feeds/search.atom", params={"q": "x" * 501})
    assert response.status_code == 422 and "at most 500" in response.text
    assert seeded.get("/feeds/search.rss").status_code == 422
    assert "1 to 100" in seeded.get("/feeds/trending.rss", params={"limit": 0}).text


def test_pages_link_their_feeds(seeded: TestClient) -> None:
    page = seeded.get("/").text
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert 'href="/feeds/daily.rss"' in page and 'href="/feeds/trending.atom"' in page
    search = seeded.get("/search", params={"q": "state space -diffusion"}).text
    assert 'href="/feeds/search.atom?q=state%20space%20-diffusion"' in search
