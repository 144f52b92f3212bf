"""Two models at once: every paper has the fast model's vector, some the best model's; search,
similar papers and topic matches read each paper's best vector, and the backfill adds the best
model's vectors newest first within its time budget. Real models, both backends."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pytest

from conftest import SAMPLE
from paperfeed.config import Settings
from paperfeed.index.backfill import build_models
from paperfeed.index.blend import Blend, BlendIndex, load_models, parts
from paperfeed.index.calibration import forget
from paperfeed.index.embedder import Embedder, load_embedder, paper_text
from paperfeed.index.vectors import index_for
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Paper
from paperfeed.rank.search import search
from paperfeed.rank.similar import similar
from paperfeed.store import Store
from paperfeed.store.base import Vectors
from paperfeed.worker import embed_pending

BEST, FAST = "minilm-l6-v2", "minilm-static-256"
QUERY = "convolutional kolmogorov arnold networks"  # seed-068, found by either model alone
TARGET, OTHER = "seed-068", "seed-001"  # OTHER: model immunization, far from QUERY


@pytest.fixture(scope="module")
def blend() -> Blend:
    try:
        return Blend([load_embedder(BEST), load_embedder(FAST)])
    except ImportError as exc:
        pytest.skip(f"embedding model not installed: {exc}")


@pytest.fixture(scope="module")
def sample_vectors(blend: Blend) -> dict[str, tuple[list[str], Vectors]]:
    """Every sample paper's vector from each model, computed once."""
    papers = list(read_jsonl(SAMPLE))
    ids = [p.id for p in papers]  # type: ignore[union-attr]
    texts = [paper_text(p.title, p.abstract) for p in papers]  # type: ignore[union-attr]
    return {m.name: (ids, m.embed(texts)) for m in blend.models}


def _fill(store: Store, vectors: dict[str, tuple[list[str], Vectors]], *,
          best_without: Sequence[str] = (), swap: dict[str, tuple[str, str]] | None = None,
          ) -> None:
    """Import the sample and store its vectors: the best model's for every paper but
    best_without; swap[model] = (a, b) stores b's vector of that model as a's."""
    import_records(store, read_jsonl(SAMPLE), source=SOURCE)
    for model, (ids, matrix) in vectors.items():
        rows = {pid: matrix[n] for n, pid in enumerate(ids)}
        if swap and model in swap:
            a, b = swap[model]
            rows[a] = rows[b]
        keep = [pid for pid in ids if model != BEST or pid not in best_without]
        store.put_embeddings(model, keep, np.stack([rows[p] for p in keep]))
    forget()


def _top(store: Store, blend: Embedder, query: str, k: int = 5, **kw: object) -> list[str]:
    return [h.paper.id for h in search(store, query, embedder=blend, limit=k,  # type: ignore[arg-type]
                                       **kw).hits]


def test_a_paper_with_only_the_fast_vector_is_still_found(
        store: Store, blend: Blend, sample_vectors: dict[str, tuple[list[str], Vectors]]) -> None:
    _fill(store, sample_vectors, best_without=[TARGET])
    assert index_for(store, BEST).vector(TARGET) is None
    assert TARGET in _top(store, blend, QUERY, 3, mode="semantic")
    assert TARGET in _top(store, blend, QUERY, 3)


def test_a_paper_with_both_vectors_is_scored_by_its_best_model(
        store: Store, blend: Blend, sample_vectors: dict[str, tuple[list[str], Vectors]]) -> None:
    # the target's fast vector says it is about something else: its best vector decides
    _fill(store, sample_vectors, swap={FAST: (TARGET, OTHER)})
    assert TARGET in _top(store, blend, QUERY, 3, mode="semantic")
    index = index_for(store, blend.name)
    assert isinstance(index, BlendIndex)
    query = blend.embed([QUERY])[0]
    best_only = index_for(store, BEST).scores(query[:384], [TARGET])[TARGET]
    scales = index.scales(index.split(query))
    assert scales is not None and scales[0] is not None
    assert index.scores(query, [TARGET])[TARGET] == pytest.approx(scales[0](best_only))


def test_a_good_fast_vector_does_not_lift_a_paper_whose_best_vector_disagrees(
        store: Store, blend: Blend, sample_vectors: dict[str, tuple[list[str], Vectors]]) -> None:
    _fill(store, sample_vectors, swap={BEST: (TARGET, OTHER)})
    assert TARGET not in _top(store, blend, QUERY, 10, mode="semantic")


def test_similar_papers_and_topic_matches_work_with_a_mix(
        store: Store, blend: Blend, sample_vectors: dict[str, tuple[list[str], Vectors]]) -> None:
    half = sample_vectors[BEST][0][::2]
    _fill(store, sample_vectors, best_without=half)
    result = search(store, QUERY, embedder=blend, match=True, limit=10)
    assert result.matched >= 1 and TARGET in [h.paper.id for h in result.hits[:result.matched]]
    for pid in (TARGET, sample_vectors[BEST][0][1]):  # one without its best vector, one with
        found = similar(store, pid, limit=5, embedder=blend)
        assert len(found) == 5 and pid not in [h.paper.id for h in found]


class Slow:
    """A real model that takes at least `pause` seconds per batch (to test a time budget)."""

    def __init__(self, model: Embedder, pause: float) -> None:
        self.name, self.dim, self._model, self._pause = model.name, model.dim, model, pause

    def embed(self, texts: Sequence[str]) -> Vectors:
        time.sleep(self._pause)
        return self._model.embed(texts)


def _dated(store: Store, n: int) -> list[str]:
    """n papers on n different days; their ids newest day first."""
    days = [date(2026, 7, 1 + (i * 7) % 28) for i in range(n)]
    papers = [Paper(id=f"2607.{i:05d}", title=f"Paper {i} on topic {i % 3}",
                    abstract=f"Abstract {i} about gradient methods.",
                    published=datetime(d.year, d.month, d.day, tzinfo=UTC))
              for i, d in enumerate(days)]
    store.upsert_papers(papers)
    return [p.id for p in sorted(papers, key=lambda p: (p.day, p.id), reverse=True)]


def test_the_backfill_embeds_everything_fast_then_the_best_newest_first_within_budget(
        store: Store, blend: Blend) -> None:
    newest = _dated(store, 12)
    slow = Blend([Slow(blend.models[0], 1.0), blend.models[1]])
    assert dict(build_models(store, slow, best_seconds=0).per_model) == {FAST: 12}
    assert set(store.get_embeddings(FAST, newest)) == set(newest)  # the fast model: all
    report = build_models(store, slow, seconds=2.5, batch_size=2)
    got = set(store.get_embeddings(BEST, newest))
    assert 0 < len(got) < len(newest)  # the budget stopped the best model part way
    assert got == set(newest[:len(got)])  # ... and what it did are the newest papers
    assert dict(report.per_model) == {FAST: 0, BEST: len(got)}
    assert build_models(store, blend, best_seconds=0).embedded == 0  # nothing new: no work


def test_the_worker_step_embeds_with_both_configured_models(store: Store,
                                                              settings: Settings) -> None:
    settings = replace(settings, fast_embedding_model=FAST)
    newest = _dated(store, 5)
    assert [m.name for m in parts(load_models(settings.embedding_model,
                                              settings.fast_embedding_model))] == [BEST, FAST]
    report = embed_pending(store, settings)
    assert dict(report.per_model) == {FAST: 5, BEST: 5}
    assert store.embedding_counts() == {FAST: 5, BEST: 5}
    assert set(store.get_embeddings(BEST, newest)) == set(newest)
