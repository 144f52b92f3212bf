"""The approximate vector index (usearch HNSW) used above a size threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paperfeed.index.vectors import VectorIndex

DIM = 32


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """Vectors around 20 topics, like embeddings of papers."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, DIM))
    return unit(centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, DIM)))


def index(cache: Path, ids: list[str], vectors: np.ndarray, threshold: int = 0) -> VectorIndex:
    out = VectorIndex("test-model", ann_threshold=threshold, cache_dir=cache, source="db")
    out.add(ids, vectors)
    return out


def test_approximate_search_finds_what_exact_search_finds(tmp_path: Path) -> None:
    vectors = clustered(2000)
    ids = [f"p{i}" for i in range(2000)]
    approx = index(tmp_path, ids, vectors)
    approx.warm()
    exact = index(tmp_path / "unused", ids, vectors, threshold=10**9)
    queries = clustered(20, seed=1)
    agree = sum(len({p for p, _ in approx.search(q, 10)} & {p for p, _ in exact.search(q, 10)})
                for q in queries)
    assert agree >= 0.95 * 20 * 10
    best, score = approx.search(vectors[7], 1)[0]
    assert best == "p7" and abs(score - 1.0) < 1e-5  # scores are exact dot products


def test_the_graph_is_saved_and_reused_by_the_next_process(tmp_path: Path) -> None:
    vectors = clustered(500)
    ids = [f"p{i}" for i in range(500)]
    first = index(tmp_path, ids, vectors)
    first.warm()
    saved = list(tmp_path.glob("*.usearch"))
    assert len(saved) == 1
    before = saved[0].stat()
    second = index(tmp_path, ids, vectors)
    second.warm()
    assert saved[0].stat().st_mtime_ns == before.st_mtime_ns  # loaded, not built again
    assert second.search(vectors[3], 5) == first.search(vectors[3], 5)


def test_a_grown_index_reuses_the_saved_rows_and_finds_the_new_ones(tmp_path: Path) -> None:
    vectors = clustered(600)
    ids = [f"p{i}" for i in range(600)]
    index(tmp_path, ids[:500], vectors[:500]).warm()
    grown = index(tmp_path, ids, vectors)
    grown.warm()
    assert grown.search(vectors[550], 1)[0][0] == "p550"
    other = index(tmp_path, ids[::-1], vectors[::-1])  # same count, other rows: not reused
    other.warm()
    assert other.search(vectors[550], 1)[0][0] == "p550"


def test_a_replaced_vector_is_found_once_by_its_new_value(tmp_path: Path) -> None:
    vectors = clustered(300)
    ids = [f"p{i}" for i in range(300)]
    ann = index(tmp_path, ids, vectors)
    ann.warm()
    ann.add(["p5"], vectors[200:201])
    found = [pid for pid, _ in ann.search(vectors[200], 3)]
    assert found[:2] in (["p5", "p200"], ["p200", "p5"])
    assert found.count("p5") == 1
    new_score = float(vectors[5] @ vectors[200])
    assert all(abs(score - new_score) < 1e-5 for pid, score in ann.search(vectors[5], 10)
               if pid == "p5")  # the old row is never returned


def test_the_first_search_is_exact_while_the_graph_builds(tmp_path: Path) -> None:
    vectors = clustered(400)
    ids = [f"p{i}" for i in range(400)]
    ann = index(tmp_path, ids, vectors)
    exact = index(tmp_path / "unused", ids, vectors, threshold=10**9)
    assert ann.search(vectors[9], 10) == exact.search(vectors[9], 10)
