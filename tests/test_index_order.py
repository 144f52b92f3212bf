"""Embedding order: newest listing day first, then the undated papers, each paper once,
across batches and across interrupted runs; a time budget leaves the rest for later."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.index.build import build_index
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.models import Paper
from paperfeed.store import Store

DAYS = [date(2026, 8, d) for d in (3, 21, 7, 21, 3, 14, 7)]  # ties on purpose


def _paper(n: int, day: date | None) -> Paper:
    published = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return Paper(id=f"2608.{n:05d}", title=f"Paper {n} on topic {n % 3}",
                 abstract=f"Abstract {n} about gradient methods.", published=published)


@pytest.fixture
def papers(store: Store) -> list[Paper]:
    papers = [_paper(n, day) for n, day in enumerate(DAYS)]
    papers += [_paper(100 + n, None) for n in range(3)]
    store.upsert_papers(papers)
    return papers


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder("minilm-static-256")


def _newest_first(papers: list[Paper]) -> list[str]:
    dated = sorted((p for p in papers if p.day), key=lambda p: (p.day, p.id), reverse=True)
    undated = sorted((p for p in papers if not p.day), key=lambda p: p.id, reverse=True)
    return [p.id for p in dated + undated]


@pytest.mark.parametrize("size", [1, 2, 3, 20])
def test_pending_papers_come_newest_day_first_each_once(store: Store, papers: list[Paper],
                                                         size: int) -> None:
    seen, after = [], None
    while batch := store.pending_embeddings("m", limit=size, after=after):
        assert len(batch) <= size
        seen += [p.id for p in batch]
        after = batch[-1].cursor
    assert seen == _newest_first(papers)


def test_an_interrupted_run_embeds_the_newest_and_a_rerun_the_rest(
        store: Store, papers: list[Paper], embedder: Embedder) -> None:
    order = _newest_first(papers)
    assert build_index(store, embedder, batch_size=2, limit=3).embedded == 3
    assert set(store.get_embeddings(embedder.name, order)) == set(order[:3])
    assert build_index(store, embedder, batch_size=2).embedded == len(order) - 3
    assert set(store.get_embeddings(embedder.name, order)) == set(order)
    assert store.pending_embeddings(embedder.name, limit=10) == []


def test_no_time_left_embeds_nothing_and_loses_nothing(
        store: Store, papers: list[Paper], embedder: Embedder) -> None:
    assert build_index(store, embedder, seconds=0).embedded == 0
    assert store.count_pending_embeddings(embedder.name) == len(papers)
    assert build_index(store, embedder, seconds=3600).embedded == len(papers)
