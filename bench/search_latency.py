"""Search latency: keyword, semantic and hybrid p50/p99 (query encoding included) at 100 k real
papers and at 1 M generated ones, with a same-run baseline.

Corpus: ../shared/data/arxiv_corpus.jsonl.gz (99,188 real papers); --size 1000000 makes ten
variants of each (sentences rotated, ids suffixed) in a temp database. Vectors: latency does
not depend on what the vectors say, so each paper gets a seeded random unit vector under the
query model's name (embedding 1 M abstracts with MiniLM takes days on 2 cores); the query is
encoded by the real model. Baseline: keyword search with every word OR-ed (no rare-word
budget), i.e. a plain FTS5 bm25 query.

    .venv/bin/python bench/search_latency.py [--size 100000|1000000] [--queries 200] [--write]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from paperfeed.index.build import refresh_vocabulary
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.index.vectors import index_for
from paperfeed.ingest.jsonl import SOURCE, parse_record
from paperfeed.ingest.run import import_records
from paperfeed.models import Paper, Rejected
from paperfeed.rank import search as rank_search
from paperfeed.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))
from relevance import machine  # noqa: E402


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


def build(path: Path, corpus: Path, size: int,
          embedder: Embedder) -> tuple[Store, dict[str, float]]:
    """The benchmark database (built once and reused) and how long each part took."""
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
        vectors = rng.standard_normal((len(batch), embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_embeddings(embedder.name, [b[0] for b in batch], vectors)
        after = batch[-1][0]
    t = time.perf_counter()
    index_for(store, embedder.name)
    took["vector index load (s)"] = time.perf_counter() - t
    return store, took


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


def timings(fn: Callable[[str], object], qs: list[str]) -> tuple[float, float]:
    times = []
    for q in qs:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--model", default="minilm-l6-v2")
    ap.add_argument("--corpus", type=Path, default=SHARED / "arxiv_corpus.jsonl.gz")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "paperfeed-bench")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    embedder = load_embedder(args.model)
    args.cache.mkdir(parents=True, exist_ok=True)
    store, took = build(args.cache / f"latency-{args.size}.db", args.corpus, args.size, embedder)
    qs = queries(args.corpus, args.queries)
    for q in qs[:5]:  # warm caches
        rank_search.search(store, q, embedder=embedder)
    rows = {"query encoding only": timings(lambda q: embedder.embed([q]), qs)}
    for mode in ("keyword", "semantic", "hybrid"):
        rows[mode] = timings(
            lambda q, m=mode: rank_search.search(store, q, mode=m, embedder=embedder), qs)
    budget, rank_search.KEYWORD_BUDGET = rank_search.KEYWORD_BUDGET, 10**12
    rows["baseline: keyword, every word OR-ed"] = timings(
        lambda q: rank_search.search(store, q, mode="keyword"), qs)
    rows["baseline: hybrid, every word OR-ed"] = timings(
        lambda q: rank_search.search(store, q, embedder=embedder), qs)
    rank_search.KEYWORD_BUDGET = budget
    lines = [f"**Search latency, {store.count_papers():,} papers, {len(qs)} queries "
             f"({args.model} query encoding; random vectors)**", "",
             "| what | p50 ms | p99 ms |", "|---|---|---|"]
    lines += [f"| {k} | {p50:.1f} | {p99:.1f} |" for k, (p50, p99) in rows.items()]
    base = rows["baseline: hybrid, every word OR-ed"][0]
    lines += ["", f"Hybrid p50 vs baseline: {base / rows['hybrid'][0]:.2f}x faster. " +
              "; ".join(f"{k}: {v:.1f}" for k, v in took.items())]
    report = "\n".join(lines)
    print(report)
    if args.write:
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(f"\n\n## Search latency — {datetime.now(UTC):%Y-%m-%d}\n\n"
                    f"Command: `{' '.join(['python', *sys.argv])}`  \nMachine: {machine()}\n\n"
                    f"{report}\n")


if __name__ == "__main__":
    main()
