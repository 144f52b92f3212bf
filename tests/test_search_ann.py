"""The vector index: float16 rows, and the approximate graph (usearch HNSW) used above a size
threshold, saved by the index step and memory-mapped by the web workers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from paperfeed.index import ann, matrix
from paperfeed.index import vectors as vectors_module
from paperfeed.index.vectors import VectorIndex, save_graph
from paperfeed.models import Paper
from paperfeed.store import Store

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
    assert best == "p7" and abs(score - 1.0) < 1e-3  # the matrix's dot products (float16 rows)


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
    assert all(abs(score - new_score) < 1e-3 for pid, score in ann.search(vectors[5], 10)
               if pid == "p5")  # the old row is never returned


def test_the_first_search_is_exact_while_the_graph_builds(tmp_path: Path) -> None:
    vectors = clustered(400)
    ids = [f"p{i}" for i in range(400)]
    ann = index(tmp_path, ids, vectors)
    exact = index(tmp_path / "unused", ids, vectors, threshold=10**9)
    assert ann.search(vectors[9], 10) == exact.search(vectors[9], 10)


def test_half_precision_ranks_like_float32(tmp_path: Path) -> None:
    """The float16 matrix gives the float32 top 10, in order, wherever float32's own gaps
    are wider than the rounding, and scores within 1e-3."""
    vectors = clustered(5000, seed=2)
    ids = [f"p{i}" for i in range(5000)]
    half = index(tmp_path, ids, vectors, threshold=10**9)
    for query in clustered(50, seed=3):
        exact = vectors @ query
        want = np.argsort(-exact, kind="stable")[:10]
        got = half.search(query, 10)
        pairs = zip(got, want, strict=True)
        assert [pid for pid, _ in got] == [ids[i] for i in want] or all(
            abs(exact[int(pid[1:])] - exact[i]) < 2e-3 for (pid, _), i in pairs)
        assert all(abs(score - exact[int(pid[1:])]) < 1e-3 for pid, score in got)
        among = ids[1000:1500]
        got_among = half.search(query, 5, among=among)
        want_among = 1000 + np.argsort(-exact[1000:1500], kind="stable")[:5]
        assert {pid for pid, _ in got_among} == {ids[i] for i in want_among}
    assert half.scores(vectors[3], ["p3", "p4"]) == {
        "p3": pytest.approx(1.0, abs=1e-3), "p4": pytest.approx(float(vectors[3] @ vectors[4]),
                                                               abs=1e-3)}
    assert np.allclose(half.vector("p9"), vectors[9], atol=1e-3)


def test_the_matrix_grows_past_a_block_without_losing_rows(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matrix, "BLOCK_ROWS", 64)
    vectors = clustered(1000, seed=4)
    ids = [f"p{i}" for i in range(1000)]
    grown = VectorIndex("test-model", ann_threshold=10**9, cache_dir=tmp_path)
    for start in range(0, 1000, 37):  # refreshes of odd sizes, across block edges
        grown.add(ids[start:start + 37], vectors[start:start + 37])
    assert len(grown) == 1000
    for row in (0, 63, 64, 500, 999):
        assert grown.search(vectors[row], 1)[0][0] == f"p{row}"
    known, got = grown.vectors(["p999", "nope", "p64", "p0"])
    assert known == ["p999", "p64", "p0"]
    assert np.allclose(got, vectors[[999, 64, 0]], atol=1e-3)
    with pytest.raises(ValueError, match="dimension"):
        grown.add(["q"], np.ones((1, DIM + 1), dtype=np.float32))


def test_the_int8_sketch_finds_what_scoring_every_row_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exact search from SKETCH_MIN rows takes its candidates from the int8 copies and
    rescores them: the same papers with the same scores as scoring every float16 row, across
    blocks, after a vector is replaced, after rows with larger components than the first
    ones arrived, and not once the sketch is dropped (too many rows)."""
    monkeypatch.setattr(matrix, "BLOCK_ROWS", 512)
    vectors = clustered(3000, seed=5)
    vectors[0] = 1 / np.sqrt(DIM)  # the first row's components are all small
    ids = [f"p{i}" for i in range(3000)]

    def loaded(sketch_min: int, threshold: int = 10**9) -> VectorIndex:
        out = VectorIndex("test-model", ann_threshold=threshold, cache_dir=tmp_path,
                          sketch_min=sketch_min)
        out.add(ids[:1], vectors[:1])
        for start in range(1, 3000, 700):
            out.add(ids[start:start + 700], vectors[start:start + 700])
        out.add(["p5"], vectors[2000:2001])  # p5 replaced: its old row goes stale
        return out

    sketched, every = loaded(sketch_min=1000), loaded(sketch_min=10**9)
    calls: list[object] = []  # what each search's sketch gave (None: there was none)
    best = matrix.HalfMatrix.best
    monkeypatch.setattr(matrix.HalfMatrix, "best", lambda self, *a: calls.append(
        best(self, *a)) or calls[-1])
    for query in [*clustered(40, seed=6), vectors[5], vectors[2000]]:
        for k in (1, 10, 50):
            got, want = sketched.search(query, k), every.search(query, k)
            assert {p for p, _ in got} == {p for p, _ in want}
            assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
            assert [p for p, _ in got].count("p5") <= 1
    assert len(calls) == 42 * 3 and all(c is not None for c in calls)  # all by the sketch
    calls.clear()
    too_many = loaded(sketch_min=1000, threshold=2000)  # its graph builds meanwhile
    assert too_many.search(vectors[0], 5)[0][0] == "p0"
    assert calls in ([], [None])  # past its rows the matrix keeps no sketch: every row scored


def test_a_viewed_graph_answers_after_a_reindex_rewrites_its_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are replaced by renaming: a worker viewing the old file keeps answering from it,
    finds the newer file once its rows reach it, and scores the rows beyond it exactly."""
    monkeypatch.setattr(ann, "LOOK_SECONDS", 0.0)
    vectors = clustered(700, seed=5)
    ids = [f"p{i}" for i in range(700)]
    web = index(tmp_path, ids[:500], vectors[:500])
    web.warm()  # no file yet: built, saved, then viewed
    assert web.ann.viewed and web.ann.rows == 500
    old = list(tmp_path.glob("*.usearch"))
    reindex = index(tmp_path, ids[:600], vectors[:600])  # the index step, 100 papers later
    reindex.warm()
    files = list(tmp_path.glob("*.usearch"))
    assert len(files) == 1 and files != old and not old[0].exists()
    assert web.search(vectors[250], 1)[0][0] == "p250"  # the unlinked file still answers
    web.add(ids[500:700], vectors[500:700])  # the web worker's refresh: 200 new rows
    assert web.search(vectors[650], 1)[0][0] == "p650"  # beyond every file: scored exactly
    assert web.ann.viewed and web.ann.rows == 600  # the newer file, viewed in place of the old
    assert web.search(vectors[550], 1)[0][0] == "p550"


def test_a_damaged_graph_file_is_refused_and_replaced(tmp_path: Path) -> None:
    vectors = clustered(400, seed=6)
    ids = [f"p{i}" for i in range(400)]
    index(tmp_path, ids, vectors).warm()
    (saved,) = tmp_path.glob("*.usearch")
    saved.write_bytes(saved.read_bytes()[:100])  # cut short, as a crashed writer would leave it
    again = index(tmp_path, ids, vectors)
    assert not again.ann.view(again._ids, 400)  # refused: not viewed
    again.warm()  # so it builds its own
    assert again.ann.viewed and again.search(vectors[42], 1)[0][0] == "p42"
    assert saved.stat().st_size > 100


def test_the_index_step_saves_the_graph_the_web_workers_view(store: Store, tmp_path: Path) -> None:
    """save_graph on SQLite writes the graph a fresh web worker views without building; it
    rewrites it only once it lags by more than `lag` rows. PostgreSQL searches its own."""
    vectors = clustered(300, seed=7)
    ids = [f"2401.{i:05d}" for i in range(300)]
    store.upsert_papers([Paper(id=pid, title=f"Paper {pid}", abstract="About things.")
                         for pid in ids])
    store.put_embeddings("test-model", ids[:250], vectors[:250])
    rows = save_graph(store, "test-model", ann_threshold=0, lag=0, cache_dir=tmp_path)
    if store.vector_index("test-model") is not None:
        assert rows == 0 and not list(tmp_path.glob("*.usearch"))
        return
    assert rows == 250
    (saved,) = tmp_path.glob("*.usearch")
    built = saved.stat().st_mtime_ns
    web = VectorIndex("test-model", ann_threshold=0, cache_dir=tmp_path, source=store.url)
    web.refresh(store)
    assert web.search(vectors[10], 1)[0][0] == ids[10]
    assert web.ann.viewed and web.ann.rows == 250 and saved.stat().st_mtime_ns == built
    store.put_embeddings("test-model", ids[250:], vectors[250:])
    assert save_graph(store, "test-model", ann_threshold=0, lag=100, cache_dir=tmp_path) == 250
    assert save_graph(store, "test-model", ann_threshold=0, lag=10, cache_dir=tmp_path) == 300
    web.refresh(store)
    assert web.search(vectors[280], 1)[0][0] == ids[280]


def test_paperfeed_index_leaves_the_graph_for_the_web_workers(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vectors step of build_index (`paperfeed index`, the worker) writes the graph file
    on SQLite once the model has more vectors than the threshold; none on PostgreSQL."""
    from paperfeed.index import vectors
    from paperfeed.index.build import build_index
    from paperfeed.index.embedder import load_embedder

    monkeypatch.setattr(vectors, "ANN_THRESHOLD", 5)
    monkeypatch.setattr(vectors, "default_cache_dir", lambda: tmp_path)
    store.upsert_papers([Paper(id=f"2401.{i:05d}", title=f"Paper {i} on graphs",
                               abstract=f"Abstract {i} about neighbours.") for i in range(12)])
    embedder = load_embedder("minilm-static-256")
    build_index(store, embedder, steps=("vectors",))
    files = list((tmp_path / "ann").glob("*.usearch"))
    if store.vector_index(embedder.name) is not None:
        assert not files
        return
    assert len(files) == 1 and "-12-" in files[0].name
    files[0].unlink()  # as if the run was killed after its vectors, before the graph's save
    build_index(store, embedder, steps=("vectors",))  # nothing left to embed
    assert [f.name for f in (tmp_path / "ann").glob("*.usearch")] == [files[0].name]


def _join_builders() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("ann-"):
            thread.join(timeout=60)


def test_a_failed_graph_build_is_not_retried_on_every_search(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = clustered(400)
    ids = [f"p{i}" for i in range(400)]
    vi = index(tmp_path, ids, vectors)
    exact = index(tmp_path / "unused", ids, vectors, threshold=10**9)
    builds: list[int] = []

    class Broken:
        def build(self, *args: object) -> None:
            builds.append(1)
            raise RuntimeError("disk full")

    monkeypatch.setattr(vi.ann, "sibling", Broken)
    for query in vectors[:5]:
        assert vi.search(query, 10) == exact.search(query, 10)  # exact meanwhile
        _join_builders()
    assert builds == [1]
    monkeypatch.setattr(vectors_module, "RETRY_SECONDS", 0.0)  # due again: tried again
    vi.search(vectors[0], 10)
    _join_builders()
    assert builds == [1, 1]


def test_a_save_killed_midway_leaves_no_half_written_file(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f".db-test-100-abc.usearch.{gone.pid}.tmp"
    live = tmp_path / f".db-test-100-abc.usearch.{os.getpid()}.tmp"
    for path in (dead, live):
        path.write_bytes(b"half a graph")
    vectors = clustered(300)
    index(tmp_path, [f"p{i}" for i in range(300)], vectors).warm()
    assert not dead.exists()  # its writer is gone
    assert live.exists()  # a live process may still be writing it
    assert list(tmp_path.glob("*.usearch"))  # and the graph was saved


def test_a_vector_stored_again_after_its_paper_changed_reaches_a_loaded_index(
        store: Store, tmp_path: Path) -> None:
    """A paper's new text drops its vector (the newest one); the vector stored for the new
    text gets a number the web worker has not seen yet, so its next refresh loads it."""
    vectors = clustered(3, seed=5)
    ids = [f"2401.{i:05d}" for i in range(3)]
    store.upsert_papers([Paper(id=pid, title=f"Paper {pid}", abstract="About things.")
                         for pid in ids])
    store.put_embeddings("test-model", ids, vectors)
    web = VectorIndex("test-model", cache_dir=tmp_path, source=store.url)
    assert web.refresh(store) == 3
    store.upsert_papers([Paper(id=ids[2], title="A new title", abstract="About things.")])
    assert ids[2] not in store.get_embeddings("test-model", ids)
    store.put_embeddings("test-model", [ids[2]], vectors[:1])
    assert web.refresh(store) == 1
    assert web.search(vectors[0], 2)[0][1] > 0.999 and {p for p, _ in web.search(
        vectors[0], 2)} == {ids[0], ids[2]}
