"""SQLite and PostgreSQL side by side: ingest, search and digest composition on the same data.

For each size (default 100 k and 1 M papers: the 99,188 real papers of
../shared/data/arxiv_corpus.jsonl.gz, and ten rotated variants of each, as in
bench/search_latency.py) and each backend, in a fresh database:

  ingest     import_records in 2,000-paper batches (the real ingest path) -> papers/s
  vectors    one seeded random unit vector per paper under the query model's name (latency
             does not depend on what vectors say), stored with put_embeddings; then the
             backend's vector index: PostgreSQL builds HNSW, SQLite loads them into memory
  search     rank.search keyword / semantic / hybrid p50 and p99, query encoding included
  digests    Composer.compose for N subscribers with varied topics -> composes/s

SQLite is the baseline: every PostgreSQL figure has its ratio to SQLite's in the same run.
PostgreSQL is a private PostgreSQL 16 + pgvector started from the PyPI package pgserver
(fsync on, default settings but shared_buffers=1GB), unless --database-url names a server.

    .venv/bin/python bench/backends.py [--sizes 100000,1000000] [--write]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))
from paperfeed.config import load_settings  # noqa: E402
from paperfeed.index.build import refresh_vocabulary  # noqa: E402
from paperfeed.index.embedder import Embedder, load_embedder  # noqa: E402
from paperfeed.index.vectors import index_for  # noqa: E402
from paperfeed.ingest.jsonl import SOURCE  # noqa: E402
from paperfeed.ingest.run import import_records  # noqa: E402
from paperfeed.models import Preferences  # noqa: E402
from paperfeed.rank import search as rank_search  # noqa: E402
from paperfeed.store import Store, open_store  # noqa: E402
from relevance import machine  # noqa: E402
from search_latency import queries, records, timings  # noqa: E402

TOPICS = ["transformers", "diffusion models", "graph neural networks", "protein design",
          "reinforcement learning from human feedback", "state space models",
          "retrieval augmented generation", "vision language models", "federated learning",
          "quantization", "mixture of experts", "contrastive learning", "code generation",
          "time series forecasting", "in-context learning", "protein design -diffusion"]
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "cs.CR", "cs.IR"]


@contextmanager
def private_postgres(work: Path) -> Iterator[str]:
    """A throwaway PostgreSQL 16 + pgvector (pgserver) in work/; its admin URL."""
    import warnings

    import psycopg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(work / "pg", cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_buffers = '1GB'")
        conn.execute("ALTER SYSTEM SET max_wal_size = '4GB'")
    server.cleanup()  # restart with the new settings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pgserver.get_server(work / "pg", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def fresh_database(admin_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head, _, query = admin_url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def put_random_vectors(store: Store, embedder: Embedder) -> None:
    rng, after = np.random.default_rng(0), None
    while batch := store.pending_embeddings(embedder.name, limit=20_000, after=after):
        vectors = rng.standard_normal((len(batch), embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_embeddings(embedder.name, [b[0] for b in batch], vectors)
        after = batch[-1].cursor


def compose_digests(store: Store, url: str, n: int) -> tuple[float, int]:
    """(seconds, papers picked) to compose n subscribers' digests for the newest day."""
    from paperfeed.deliver.compose import Composer

    rng = random.Random(0)
    newest = store.list_papers(limit=1)[0].day
    assert newest is not None
    now = datetime.combine(newest, datetime.min.time(), UTC) + timedelta(hours=23)
    for i in range(n):
        prefs = Preferences(topics=tuple(rng.sample(TOPICS, rng.randint(0, 3))),
                            categories=tuple(rng.sample(CATEGORIES, rng.randint(0, 2))),
                            send_hour=0)
        store.add_subscription(f"s{i}@example.org", prefs, status="active", now=now)
    settings = replace(load_settings(environ={}, database_url=url),
                       base_url="https://papers.example.org")
    subs = store.list_subscriptions(limit=n + 1)
    composer = Composer(store, settings, now=now)
    return timed(lambda: sum(composer.compose(s, newest).count for s in subs))


def run(url: str, size: int, embedder: Embedder, qs: list[str], subscribers: int,
        corpus: Path) -> dict[str, float]:
    store = open_store(url)
    out: dict[str, float] = {}
    secs, _ = timed(lambda: import_records(
        store, records(corpus, max(1, round(size / 99_188))), source=SOURCE))
    out["papers"] = store.count_papers()
    out["ingest papers/s"] = out["papers"] / secs
    out["vocabulary s"], _ = timed(lambda: refresh_vocabulary(store))
    out["store vectors s"], _ = timed(lambda: put_random_vectors(store, embedder))
    out["vector index s"], _ = timed(lambda: (store.build_vector_index(embedder.name),
                                              index_for(store, embedder.name)))
    for q in qs[:5]:
        rank_search.search(store, q, embedder=embedder)  # warm caches
    for mode in ("keyword", "semantic", "hybrid"):
        p50, p99 = timings(lambda q, m=mode: rank_search.search(store, q, mode=m,
                                                                 embedder=embedder), qs)
        out[f"{mode} p50 ms"], out[f"{mode} p99 ms"] = p50, p99
    secs, _ = compose_digests(store, url, subscribers)
    out["digest composes/s"] = subscribers / secs
    store.close()
    return out


def table(size: int, results: dict[str, dict[str, float]]) -> str:
    sqlite, pg = results["SQLite"], results["PostgreSQL"]
    higher_better = {"ingest papers/s", "digest composes/s"}
    lines = [f"**{int(sqlite['papers']):,} papers**", "",
             "| measure | SQLite (baseline) | PostgreSQL + pgvector | PostgreSQL vs SQLite |",
             "|---|---:|---:|---:|"]
    for key in sqlite:
        if key == "papers":
            continue
        ratio = pg[key] / sqlite[key] if key in higher_better else sqlite[key] / pg[key]
        lines.append(f"| {key} | {sqlite[key]:,.1f} | {pg[key]:,.1f} | {ratio:.2f}x "
                     f"{'faster' if ratio >= 1 else 'slower'} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="paper counts, comma-separated")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--subscribers", type=int, default=2000)
    ap.add_argument("--model", default="minilm-l6-v2", help="query encoder")
    ap.add_argument("--corpus", type=Path, default=SHARED / "arxiv_corpus.jsonl.gz")
    ap.add_argument("--database-url", help="an existing PostgreSQL server's admin URL "
                    "(default: a private one from pgserver)")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    started, embedder = machine(), load_embedder(args.model)
    qs = queries(args.corpus, args.queries)
    work = Path(tempfile.mkdtemp(prefix="paperfeed-backends-"))
    reports = []
    try:
        with (private_postgres(work) if args.database_url is None
              else _given(args.database_url)) as admin:
            for size in (int(s) for s in args.sizes.split(",")):
                results = {
                    "SQLite": run(f"sqlite:///{work / f'bench-{size}.db'}", size, embedder, qs,
                                  args.subscribers, args.corpus),
                    "PostgreSQL": run(fresh_database(admin, f"bench_{size}"), size, embedder,
                                      qs, args.subscribers, args.corpus)}
                reports.append(table(size, results))
                print(reports[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.write:
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(f"\n\n## SQLite vs PostgreSQL — {datetime.now(UTC):%Y-%m-%d}\n\n"
                    f"Command: `python bench/backends.py {' '.join(sys.argv[1:])}`  \n"
                    f"Machine: {started}; PostgreSQL 16 + pgvector 0.6 from pgserver, same "
                    f"machine. {len(qs)} queries, {args.subscribers:,} subscribers.\n\n"
                    + "\n\n".join(reports) + "\n")


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    main()
