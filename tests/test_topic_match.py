"""A topic match is a match: digests, topic feeds and counts claim only papers that fit.

Real arXiv papers from the shared corpus: two about speculative decoding among 1,000 others
(none of which says "speculative"), the two listed on the second of two days. Embedded with
the static model (seconds); the model switch test embeds 300 papers with MiniLM as well.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from conftest import REPO
from paperfeed.config import Settings, load_settings
from paperfeed.deliver.compose import Composer
from paperfeed.deliver.links import Links, Tokens
from paperfeed.deliver.render import Renderer
from paperfeed.index.build import build_index
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Preferences
from paperfeed.rank import match
from paperfeed.rank.foryou import for_you
from paperfeed.rank.match import Evidence, PaperText
from paperfeed.rank.search import SearchFilters, search
from paperfeed.store import Store
from paperfeed.web.app import create_app

CORPUS = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared")
               if p.exists()), REPO.parent / "shared") / "data" / "arxiv_corpus.jsonl.gz"
TOPIC = "speculative decoding"
BUSY, QUIET = date(2026, 8, 17), date(2026, 8, 21)  # the two fitting papers are on BUSY
NOW = datetime(2026, 8, 21, 23, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not present")


def _records(others: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Two papers with the topic in their title and `others` without "speculative"."""
    fitting: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            text = f"{record['title']} {record['abstract']}"
            if re.search(r"speculative decoding", record["title"], re.I) and len(fitting) < 2:
                fitting.append(record)
            elif "speculat" not in text.lower() and len(rest) < others:
                rest.append(record)
            if len(fitting) == 2 and len(rest) == others:
                break
    for i, record in enumerate(rest):
        record["published"] = (QUIET if i % 2 else BUSY).isoformat()
    for record in fitting:
        record["published"] = BUSY.isoformat()
    return fitting + rest, [r["id"] for r in fitting]


def _load(store: Store, tmp_path: Path, others: int) -> list[str]:
    records, fitting = _records(others)
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    import_records(store, read_jsonl(path), source=SOURCE)
    return fitting


def _embedder(name: str) -> Embedder:
    try:
        return load_embedder(name)
    except ImportError as exc:
        pytest.skip(f"embedding model not installed: {exc}")


@pytest.fixture
def static() -> Embedder:
    return _embedder("minilm-static-256")


@pytest.fixture
def thousand(store: Store, tmp_path: Path, static: Embedder) -> list[str]:
    fitting = _load(store, tmp_path, 998)
    build_index(store, static, batch_size=256)
    return fitting


@pytest.fixture
def app(settings: Settings, store: Store, thousand: list[str]) -> Iterator[TestClient]:
    settings = load_settings(environ={}, database_url=settings.database_url,
                             embedding_model="minilm-static-256")
    with TestClient(create_app(settings, store)) as client:
        yield client


def _window(day: date) -> SearchFilters:
    return SearchFilters(date_from=day, date_to=day)


def _topic_feed(client: TestClient, day: date) -> list[str]:
    response = client.get("/feeds/search.atom", params={
        "q": TOPIC, "date_from": day.isoformat(), "date_to": day.isoformat()})
    assert response.status_code == 200, response.text
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    return [e.id.rsplit(":", 1)[1] for e in feed.entries]


def test_words_close_together_match_unless_the_paper_is_less_similar_than_usual() -> None:
    assert Evidence(coverage=1.0, near=1.0, z=0.1).matches
    assert not Evidence(coverage=1.0, near=1.0, z=-0.5).matches  # the words, about else
    assert not Evidence(coverage=1.0, near=0.6, z=6.0).matches  # near in meaning only
    assert Evidence(coverage=1.0, near=0.0, z=None).matches  # no vectors: every word


def test_a_paper_naming_the_topic_only_past_its_opening_sentences_does_not_match(
        store: Store, thousand: list[str], static: Embedder) -> None:
    topic = match.prepare(store, TOPIC, static)
    opening = ("We measure the energy large language models use when serving requests. "
               "Latency and throughput vary across hardware. We profile four GPUs.")
    later = " We also report results with speculative decoding enabled."
    uses = PaperText("x1", "The energy cost of serving language models", opening + later)
    about = PaperText("x2", "The energy cost of speculative decoding", opening + later)
    assert match.evidence(topic, uses, 1.0).coverage == pytest.approx(1.0)
    assert not match.evidence(topic, uses, 1.0).matches  # it uses the topic, about else
    assert match.evidence(topic, about, 1.0).matches


def test_a_topic_with_two_fitting_papers_among_1000_lists_those_two(
        store: Store, thousand: list[str], static: Embedder) -> None:
    mine = for_you(store, topics=[TOPIC], since=datetime(2026, 8, 17, tzinfo=UTC),
                   limit=10, embedder=static)
    assert sorted(h.paper.id for h in mine) == sorted(thousand)
    assert all(h.reason == f"matches topic '{TOPIC}'" for h in mine)
    result = search(store, TOPIC, filters=_window(BUSY), embedder=static, match=True)
    assert result.matched == 2 and result.total > 2  # the nearest others rank below
    assert sorted(h.paper.id for h in result.hits[:2]) == sorted(thousand)


def test_a_day_without_a_fitting_paper_gives_no_topic_line_and_an_empty_feed(
        store: Store, settings: Settings, thousand: list[str], static: Embedder,
        app: TestClient) -> None:
    sub, _ = store.add_subscription("me@example.org", Preferences(topics=(TOPIC,)),
                                    status="active", now=NOW)
    digest = Composer(store, settings, now=NOW, embedder=static).compose(sub, QUIET)
    assert digest.for_you == ()
    links = Links(settings, Tokens.from_settings(settings))
    text = Renderer(settings, links).digest(digest, message_id="<x@y>", now=NOW)
    plain = text.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "matches topic" not in body and "Nothing new on your topics" in body
    assert _topic_feed(app, QUIET) == []
    assert sorted(_topic_feed(app, BUSY)) == sorted(thousand)


def test_search_page_and_api_count_only_the_matches(app: TestClient,
                                                    thousand: list[str]) -> None:
    params = {"q": TOPIC, "date_from": BUSY.isoformat(), "date_to": BUSY.isoformat()}
    body = app.get("/api/v1/search", params=params).json()
    assert body["total"] == 2 and body["related"] > 0
    assert sorted(i["id"] for i in body["items"][:2]) == sorted(thousand)
    page = app.get("/search", params={"q": TOPIC, "from": BUSY.isoformat(),
                                      "to": BUSY.isoformat()})
    assert "2 results match" in page.text and 'id="related"' in page.text


@pytest.mark.slow
def test_the_floor_holds_after_index_switches_models(store: Store, tmp_path: Path,
                                                      static: Embedder) -> None:
    fitting = _load(store, tmp_path, 298)
    since = datetime(2026, 8, 17, tzinfo=UTC)
    for name in ("minilm-static-256", "minilm-l6-v2"):
        embedder = static if name == "minilm-static-256" else _embedder(name)
        build_index(store, embedder, batch_size=256)  # what `paperfeed index --model` runs
        assert store.embedding_counts()[name] == 300
        mine = for_you(store, topics=[TOPIC], since=since, limit=10, embedder=embedder)
        assert sorted(h.paper.id for h in mine) == sorted(fitting), name
        result = search(store, TOPIC, filters=_window(QUIET), embedder=embedder, match=True)
        assert result.matched == 0 and result.total > 0, name
