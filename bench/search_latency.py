"""Search latency: keyword, semantic and hybrid p50/p99 (query encoding included) at 100 k real
papers and at 1 M generated ones, with a same-run baseline.

Corpus: ../shared/data/arxiv_corpus.jsonl.gz (99,188 real papers); --size 1000000 makes ten
variants of each (sentences rotated, ids suffixed) in a temp database. Vectors: latency does
not depend on what the vectors say, so each paper gets a seeded random unit vector under the
query model's name (embedding 1 M abstracts with MiniLM takes days on 2 cores); the query is
encoded by the real model. Baselines: every full-text match joined with papers before ranking
(the previous query), every word OR-ed (no rare-word budget), i.e. a plain FTS5 bm25 query, the
word groups of very common words kept in hybrid (no CROWD bound), no word-pair/acronym
boosts, keyword candidates left in full-text order (not scored with every word), and (always
timed) keyword and hybrid reading the database's full text instead of the keyword index.
--vectors-only times the vector index alone (exact numpy against the HNSW graph) without a
database.

    .venv/bin/python bench/search_latency.py [--size 100000|1000000] [--queries 200] [--write]
    .venv/bin/python bench/search_latency.py --vectors-only --size 1000000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from paperfeed.index.build import refresh_vocabulary
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.index.keyword_index import keyword_index_for, update_keyword_index
from paperfeed.index.vectors import VectorIndex, index_for
from paperfeed.ingest.jsonl import SOURCE, parse_record
from paperfeed.ingest.run import import_records
from paperfeed.models import Paper, Rejected
from paperfeed.rank import search as rank_search
from paperfeed.store import Store, open_store
from paperfeed.store.sqlite import fulltext as sqlite_search

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from relevance import SHARED, machine, no_keyword_index  # noqa: E402


def records(corpus: Path, copies: int) -> Iterator[Paper | Rejected]:
    """The corpus, or `copies` variants of each record (sentences rotated, id suffixed)."""
    for k in range(copies):
        with gzip.open(corpus, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                row = json.loads(line)
                if k:
                    sentences = re.split(r"(?<=[.!?])\s", row["abstract"])
                    cut = k % max(1, len(sentences))
                    row["abstract"] = " ".join(sentences[cut:] + sentences[:cut])
                    row["id"] = f"{row['id']}-v{k}x"
                try:
                    yield parse_record(row)
                except ValueError as exc:
                    yield Rejected(f"{corpus.name}:{n}", str(exc))


def build(path: Path, corpus: Path, size: int, embedder: Embedder,
          real: Store | None = None) -> tuple[Store, dict[str, float]]:
    """The benchmark database (built once and reused) and how long each part took.

    Vectors: the real ones of the same papers in `real` (a variant gets its original's vector
    plus a little noise, as near-duplicates would), else seeded random unit vectors."""
    store, took = open_store(f"sqlite:///{path}"), {}
    if store.count_papers() == 0:
        t = time.perf_counter()
        import_records(store, records(corpus, max(1, round(size / 99_188))), source=SOURCE)
        took["ingest (s)"] = time.perf_counter() - t
    t = time.perf_counter()
    refresh_vocabulary(store)
    took["spelling vocabulary (s)"] = time.perf_counter() - t
    rng, after = np.random.default_rng(0), None
    while batch := store.pending_embeddings(embedder.name, limit=20_000, after=after):
        ids = [b[0] for b in batch]
        vectors = (_copied(real, ids, rng) if real is not None else
                   rng.standard_normal((len(batch), embedder.dim)).astype(np.float32))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_embeddings(embedder.name, ids, vectors)
        after = batch[-1].cursor
    t = time.perf_counter()
    index_for(store, embedder.name).warm()  # the HNSW graph above 200 k vectors, not exact
    took["vector index load or graph build (s)"] = time.perf_counter() - t
    t = time.perf_counter()
    if update_keyword_index(store):
        took["keyword index (s)"] = time.perf_counter() - t
    return store, took


NOISE = 0.05  # per-coordinate noise on a copied vector (unit vectors: ~0.05 x sqrt(dim) off)


def _copied(real: Store, ids: list[str], rng: np.random.Generator) -> np.ndarray:
    """The real vectors of the papers the ids were made from, plus a little noise."""
    originals = [pid.rsplit("-v", 1)[0] if pid.endswith("x") else pid for pid in ids]
    found = real.get_embeddings(_model(real), originals)
    dim = len(next(iter(found.values())))
    out = rng.standard_normal((len(ids), dim)).astype(np.float32) * NOISE
    for i, pid in enumerate(originals):
        out[i] += found.get(pid, 0.0)
    return out


def _model(real: Store) -> str:
    return max(real.embedding_counts().items(), key=lambda kv: kv[1])[0]


def queries(corpus: Path, n: int) -> list[str]:
    """Dev queries, paper titles, and short two- or three-word topic queries."""
    out = [json.loads(line)["q"] for line in (SHARED / "dev_queries.jsonl").open()]
    rng = random.Random(0)
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        titles = [json.loads(line)["title"] for line in f]
    picked = rng.sample(titles, n)
    out += picked[: n // 2]
    out += [" ".join(t.split()[:rng.choice((2, 3))]) for t in picked[n // 2:]]
    return out


class Timing(NamedTuple):
    """Wall-clock and CPU milliseconds per query: on a shared machine the CPU figures are
    close to what a quiet one would show as wall time."""

    p50: float
    p99: float
    cpu50: float
    cpu99: float

    def row(self, name: str) -> str:
        return f"| {name} | {self.p50:.1f} | {self.p99:.1f} | {self.cpu50:.1f} | {self.cpu99:.1f} |"


HEADER = ["| what | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms |", "|---|---|---|---|---|"]


def timings(fn: Callable[[str], object], qs: list[str]) -> Timing:
    walls, cpus = [], []
    for q in qs:
        t, c = time.perf_counter(), time.process_time()
        fn(q)
        cpus.append((time.process_time() - c) * 1000)
        walls.append((time.perf_counter() - t) * 1000)

    def p99(values: list[float]) -> float:
        return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]

    return Timing(statistics.median(walls), p99(walls), statistics.median(cpus), p99(cpus))


def vector_index_only(size: int, embedder: Embedder, qs: list[str], cache: Path,
                      db: Path | None = None) -> str:
    """The vector index alone at size random unit vectors (or a database's real vectors):
    exact numpy (the baseline) and the HNSW graph (build time, p50/p99 at the hybrid depth,
    recall against exact)."""
    rng = np.random.default_rng(0)
    ids = [f"v{i}" for i in range(size)]
    exact = VectorIndex(embedder.name, ann_threshold=10**12)
    approx = VectorIndex(embedder.name, ann_threshold=0, cache_dir=cache,
                         source=f"bench-{db or 'random'}-{size}")
    if db is not None:
        store = open_store(f"sqlite:///{db}")
        exact.refresh(store)
        approx.refresh(store)
        size = 0
    for start in range(0, size, 100_000):
        block = rng.standard_normal((min(100_000, size - start), embedder.dim)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        exact.add(ids[start:start + len(block)], block)
        approx.add(ids[start:start + len(block)], block)
    t = time.perf_counter()
    approx.warm()
    build = time.perf_counter() - t
    vectors = {q: embedder.embed([q])[0] for q in qs}
    depth = rank_search.DEPTH
    rows = {"exact numpy (baseline)": timings(lambda q: exact.search(vectors[q], depth), qs),
            "usearch HNSW int8 + exact rescoring": timings(
                lambda q: approx.search(vectors[q], depth), qs)}
    found = sum(len({p for p, _ in exact.search(v, 10)} & {p for p, _ in approx.search(v, 10)})
                for v in vectors.values())
    kind = f"real {embedder.name} vectors of {db.name}" if db else "random vectors"
    lines = [f"**Vector index alone, {len(exact):,} {kind} ({embedder.dim}-d), top {depth}, "
             f"{len(qs)} queries**", "", *HEADER]
    lines += [t.row(k) for k, t in rows.items()]
    base, ann = rows["exact numpy (baseline)"].p50, rows["usearch HNSW int8 + exact rescoring"].p50
    lines += ["", f"HNSW p50 vs exact: {base / ann:.1f}x faster; recall@10 against exact "
              f"{found / (10 * len(vectors)):.3f}; "
              f"graph build (or load from the disk cache) {build:.0f} s."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--model", default="minilm-l6-v2")
    ap.add_argument("--corpus", type=Path, default=SHARED / "arxiv_corpus.jsonl.gz")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "paperfeed-bench")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    ap.add_argument("--vectors-only", action="store_true",
                    help="time the vector index alone (no database) at --size vectors")
    ap.add_argument("--vectors-from", type=Path, help="a database of the 99 k corpus papers "
                    "with real --model vectors (bench/relevance.py's cache): each paper and "
                    "variant gets its original's vector plus noise, instead of a random one")
    ap.add_argument("--no-baselines", action="store_true",
                    help="time paperfeed's own modes only (the baselines take most of a run)")
    ap.add_argument("--vectors-db", type=Path, help="with --vectors-only: a SQLite database "
                    "whose real --model vectors to index instead of random ones")
    args = ap.parse_args()
    embedder = load_embedder(args.model)
    if args.vectors_only:
        qs = queries(args.corpus, args.queries)
        _report(args, vector_index_only(args.size, embedder, qs, args.cache / "ann",
                                        args.vectors_db))
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    real = open_store(f"sqlite:///{args.vectors_from}") if args.vectors_from else None
    if real is not None and _model(real) != embedder.name:
        raise SystemExit(f"{args.vectors_from} holds {_model(real)} vectors; pass --model "
                         f"{_model(real)}")
    name = f"latency-{args.size}" + (f"-{embedder.name}" if real is not None else "")
    store, took = build(args.cache / f"{name}.db", args.corpus, args.size, embedder, real)
    qs = queries(args.corpus, args.queries)
    for q in qs[:5]:  # warm caches (and the match floor's calibration sample)
        rank_search.search(store, q, embedder=embedder, match=True)
    rows = {"query encoding only": timings(lambda q: embedder.embed([q]), qs)}
    for mode in ("keyword", "semantic", "hybrid"):
        rows[mode] = timings(
            lambda q, m=mode: rank_search.search(store, q, mode=m, embedder=embedder), qs)
    rows["hybrid, matches counted and first (what the page and the API do)"] = timings(
        lambda q: rank_search.search(store, q, embedder=embedder, match=True), qs)
    if keyword_index_for(store) is not None:
        with no_keyword_index():
            for mode in ("keyword", "hybrid"):
                rows[f"baseline: {mode}, no keyword index (the database's full text)"] = \
                    timings(lambda q, m=mode: rank_search.search(store, q, mode=m,
                                                                 embedder=embedder), qs)
    if args.no_baselines:
        _report(args, _table(store, args, qs, real, rows, took))
        return
    with no_keyword_index():  # the baselines are variants of the database's full text
        crowd, rank_search.CROWD = rank_search.CROWD, 10**12
        rows["baseline: hybrid, crowded word groups kept"] = timings(
            lambda q: rank_search.search(store, q, embedder=embedder), qs)
        rank_search.CROWD = crowd
        boosts, rank_search.boosts = rank_search.boosts, lambda *a: ()
        rows["baseline: keyword, no word pairs or acronyms"] = timings(
            lambda q: rank_search.search(store, q, mode="keyword"), qs)
        rows["baseline: hybrid, no word pairs or acronyms"] = timings(
            lambda q: rank_search.search(store, q, embedder=embedder), qs)
        rank_search.boosts = boosts
        sqlite_search.RANK_IN_FTS_TABLE = False
        rows["baseline: keyword, every match joined with papers"] = timings(
            lambda q: rank_search.search(store, q, mode="keyword"), qs)
        rows["baseline: hybrid, every match joined with papers"] = timings(
            lambda q: rank_search.search(store, q, embedder=embedder), qs)
        sqlite_search.RANK_IN_FTS_TABLE = True
        budget, rank_search.READ_BUDGET = rank_search.READ_BUDGET, 10**12
        rows["baseline: keyword, every word OR-ed"] = timings(
            lambda q: rank_search.search(store, q, mode="keyword"), qs)
        rows["baseline: hybrid, every word OR-ed"] = timings(
            lambda q: rank_search.search(store, q, embedder=embedder), qs)
        rank_search.READ_BUDGET = budget
        rerank, rank_search._Scorer.rerank = rank_search._Scorer.rerank, lambda self, r: r
        rows["baseline: keyword, candidates not scored with every word"] = timings(
            lambda q: rank_search.search(store, q, mode="keyword"), qs)
        rank_search._Scorer.rerank = rerank
    _report(args, _table(store, args, qs, real, rows, took))


def _table(store: Store, args: argparse.Namespace, qs: list[str], real: Store | None,
           rows: dict[str, Timing], took: dict[str, float]) -> str:
    lines = [f"**Search latency, {store.count_papers():,} papers, {len(qs)} queries "
             f"({args.model} query encoding; "
             f"{'real vectors, copied with noise' if real else 'random vectors'})**", "",
             *HEADER]
    lines += [t.row(k) for k, t in rows.items()]
    base = rows.get("baseline: hybrid, crowded word groups kept")
    lines += ["", (f"Hybrid p50 vs keeping crowded word groups: "
                   f"{base.p50 / rows['hybrid'].p50:.2f}x faster. " if base else "") +
              "; ".join(f"{k}: {v:.1f}" for k, v in took.items())]
    return "\n".join(lines)


def _report(args: argparse.Namespace, report: str) -> None:
    report += (f"\n\nLoad average (1 min) at the end: {os.getloadavg()[0]:.1f} on "
               f"{os.cpu_count()} CPUs.")
    print(report)
    if args.write:
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(f"\n\n## Search latency — {datetime.now(UTC):%Y-%m-%d}\n\n"
                    f"Command: `{' '.join(['python', *sys.argv])}`  \nMachine: {machine()}\n\n"
                    f"{report}\n")


if __name__ == "__main__":
    main()
