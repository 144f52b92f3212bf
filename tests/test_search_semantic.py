"""Semantic and hybrid search, similar papers and for-you with the real MiniLM model.

The sample papers are embedded once per session (about half a minute on 2 cores); every
test skips with the reason when the model package is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLE, SHARED_DATA
from paperfeed.errors import NotFound
from paperfeed.index.build import build_index
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.index.keyword_index import keyword_index_for, update_keyword_index
from paperfeed.index.vectors import index_for
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.rank import search as rank_search
from paperfeed.rank.evaluate import evaluate, load_judged
from paperfeed.rank.foryou import for_you
from paperfeed.rank.search import SearchFilters, search
from paperfeed.rank.similar import similar, word_groups
from paperfeed.store import Store, open_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    try:
        return load_embedder("minilm-l6-v2")
    except ImportError as exc:
        pytest.skip(f"embedding model not installed: {exc}")


@pytest.fixture(scope="session")
def indexed(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("semantic") / "sample.db"
    store = open_store(f"sqlite:///{path}")
    import_records(store, read_jsonl(SAMPLE), source=SOURCE)
    report = build_index(store, embedder)
    assert report.embedded == 119 and report.vocabulary_papers == 119
    yield store
    store.close()


def top(store: Store, query: str, embedder: Embedder, **kw: object) -> list[str]:
    return [h.paper.id for h in search(store, query, embedder=embedder, **kw).hits]  # type: ignore[arg-type]


def test_index_is_incremental_and_records_the_model(indexed: Store, embedder: Embedder) -> None:
    assert build_index(indexed, embedder).embedded == 0
    assert indexed.embedding_counts() == {"minilm-l6-v2": 119}
    assert len(index_for(indexed, embedder.name)) == 119


def test_a_description_in_other_words_finds_the_paper(indexed: Store,
                                                        embedder: Embedder) -> None:
    query = "making models hard to fine-tune on harmful tasks"
    assert "seed-001" in top(indexed, query, embedder, mode="semantic", limit=3)
    assert "seed-001" in top(indexed, query, embedder, limit=3)


def test_misspelled_query_still_finds_the_paper(indexed: Store, embedder: Embedder) -> None:
    assert top(indexed, "convolutonal kolmogorov arnold netwroks", embedder)[0] == "seed-068"


def test_hybrid_through_a_keyword_index_reads_no_text_and_finds_the_same_papers(
        indexed: Store, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = {"making models hard to fine-tune on harmful tasks": "seed-001",
               "convolutonal kolmogorov arnold netwroks": "seed-068"}
    assert update_keyword_index(indexed, threshold=0) == 119
    assert keyword_index_for(indexed) is not None
    monkeypatch.setattr(indexed, "texts", lambda ids: pytest.fail("a paper's text was read"))
    for query, answer in queries.items():
        assert answer in top(indexed, query, embedder, limit=3)
    # the keyword side still counts: words only some nearby papers have move them up
    assert top(indexed, "state space models", embedder, limit=10) != \
        top(indexed, "state space models", embedder, mode="semantic", limit=10)


def test_semantic_results_respect_filters(indexed: Store, embedder: Embedder) -> None:
    with_code = top(indexed, "state space models", embedder, mode="semantic",
                    filters=SearchFilters(has_code=True), limit=30)
    papers = indexed.get_papers(with_code)
    assert papers and all(p.code_urls or p.github_repo for p in papers)
    assert "seed-001" not in top(indexed, "model immunization -hessian", embedder)


def test_similar_papers_ask_the_full_text_for_rare_words_alone_within_a_budget() -> None:
    counts = {"mamba": 40, "selective": 900, "state": 12_000, "space": 9_000, "models": 30_000}
    words = ["models", "state", "space", "mamba", "selective"]
    assert word_groups(words, counts, budget=20_000) == (
        ("mamba",), ("selective",), ("space",), ("state", "models"))  # 9,940 alone, then together
    assert word_groups(words, counts, budget=1_000) == (
        ("mamba",), ("selective",), ("space", "state", "models"))
    assert word_groups(["models", "mamba"], counts, budget=100) == (("mamba",),)  # one common
    assert word_groups(["models"], counts, budget=100) == (("models",),)  # never none


def test_similar_papers_share_the_topic(indexed: Store, embedder: Embedder) -> None:
    ssm = {"seed-004", "seed-020", "seed-074", "seed-088"}
    found = [h.paper.id for h in similar(indexed, "seed-020", limit=5, embedder=embedder)]
    assert "seed-020" not in found
    assert len(ssm & set(found)) >= 2
    with pytest.raises(NotFound):
        similar(indexed, "no-such-paper", embedder=embedder)


def test_for_you_explains_each_pick(indexed: Store, embedder: Embedder) -> None:
    hits = for_you(indexed, topics=["state space models"], liked=["seed-001"],
                   exclude={"seed-004"}, limit=6, embedder=embedder)
    ids = [h.paper.id for h in hits]
    assert "seed-004" not in ids and "seed-001" not in ids and len(ids) == 6
    reasons = {h.reason for h in hits}
    assert "matches topic 'state space models'" in reasons
    assert any(r and r.startswith("like Model Immunization") for r in reasons)


@pytest.mark.skipif(not (SHARED_DATA / "dev_queries.jsonl").exists(),
                    reason="../shared/data/dev_queries.jsonl is absent")
def test_hybrid_is_at_least_as_good_as_either_side_on_the_dev_queries(
        indexed: Store, embedder: Embedder) -> None:
    queries = load_judged(Path(SHARED_DATA / "dev_queries.jsonl"))
    scores = {mode: evaluate(lambda q, m=mode: top(indexed, q, embedder, mode=m, limit=10),
                             queries) for mode in ("keyword", "semantic", "hybrid")}
    hybrid = scores["hybrid"]
    assert hybrid["all"].mrr >= 0.95
    for kind in hybrid:
        best_single = max(scores["keyword"][kind].mrr, scores["semantic"][kind].mrr)
        assert hybrid[kind].mrr >= best_single - 0.1, kind


def test_hybrid_reads_no_full_text_list_for_crowded_words_but_still_scores_with_them(
        indexed: Store, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    query = "neural networks learning"  # words most of the sample papers use
    monkeypatch.setattr(rank_search, "CROWD", 5)  # as if the corpus were a thousand times larger
    read: list[object] = []
    keyword_search = indexed.keyword_search
    monkeypatch.setattr(indexed, "keyword_search",
                        lambda tq, **kw: read.append(tq) or keyword_search(tq, **kw))
    bounded = top(indexed, query, embedder, limit=20)
    assert read == []  # the dense side's papers are the only candidates
    assert bounded != top(indexed, query, embedder, mode="semantic", limit=20)  # words count
    quoted = top(indexed, f'{query} "model immunization"', embedder, limit=5)
    assert quoted[0] == "seed-001"  # a quoted phrase still reaches the keyword side
