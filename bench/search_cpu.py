"""CPU time per uncached search page, measured in process, against a cached page in the same run.

Distinct searches cannot be cached, so their cost is the work itself: the full-text
candidates, the vectors, BM25 over every word, the match count, reading and rendering the
cards. This script asks the app (in process, through Starlette's TestClient, so no HTTP
server or load generator shares the cores) for N searches nobody asked before, and reports
the process's CPU time per request, which is steadier than wall time on a busy machine.
The baselines in the same run are a page from the page cache and, where the database has
a keyword index (index/keyword_index.py), as many other searches over the database's full
text. Compare two trees by running the script from each, alternating (bench/RESULTS.md,
"Uncached search CPU"; bench/search_cpu_ab.py does both in one run).

The ceilings in the same run: the page's ranking alone (rank.search.search_ranked, as deep as
a page), then with the match count (rank.search.search, match=True), each on searches of its
own, so a goal in requests per second can be set against the most this machine's CPUs could
serve if the page cost no more than its ranking (the last column: CPUs / CPU per request).

    python bench/search_cpu.py --db corpus.db --model minilm-static-256 --queries 100
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).parent))
from relevance import no_keyword_index
from web_load import distinct_queries


def per_request_ms(client: object, paths: list[str]) -> float:
    """CPU milliseconds of this process (every thread) per GET of paths."""
    start = time.process_time()
    for path in paths:
        response = client.get(path)  # type: ignore[attr-defined]
        if response.status_code != 200:
            sys.exit(f"{path}: HTTP {response.status_code}")
    return (time.process_time() - start) / len(paths) * 1000


def per_call_ms(call: Callable[[str], object], queries: list[str]) -> float:
    """CPU milliseconds of this process per call(query)."""
    start = time.process_time()
    for query in queries:
        call(query)
    return (time.process_time() - start) / len(queries) * 1000


def query_of(path: str) -> str:
    return parse_qs(urlsplit(path).query)["q"][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="a paperfeed SQLite database (not changed)")
    parser.add_argument("--model", default="minilm-static-256", help="the query encoder")
    parser.add_argument("--queries", type=int, default=100, help="distinct searches per mode")
    parser.add_argument("--modes", default="hybrid,keyword", help="search modes, comma separated")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from paperfeed.config import load_settings
    from paperfeed.index.embedder import load_embedder
    from paperfeed.index.keyword_index import keyword_index_for
    from paperfeed.rank.search import search, search_ranked
    from paperfeed.store import open_store
    from paperfeed.web.app import create_app

    db = Path(args.db)
    with sqlite3.connect(db) as conn:
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    settings = load_settings(environ={"PAPERFEED_EMBEDDING_MODEL": args.model},
                             database_url=f"sqlite:///{db}")
    store = open_store(settings.database_url)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    indexed = keyword_index_for(store) is not None  # then also timed without it (baseline)
    runs = [(mode, False) for mode in modes] + [(mode, True) for mode in modes if indexed]
    embedder = load_embedder(args.model)
    parts: list[tuple[str, Callable[[str, str], object]]] = [
        ("its ranking with the match count", lambda q, mode: search(
            store, q, mode=mode, embedder=embedder, match=True)),
        ("its ranking alone", lambda q, mode: search_ranked(
            store, q, mode=mode, need=20, embedder=embedder))]
    paths = distinct_queries(db, args.queries * (len(runs) + len(parts) * len(modes)) + 10)
    rows = []

    def chunk(n: int) -> list[str]:  # every run its own queries: no run reuses caches
        return paths[10 + n * args.queries:10 + (n + 1) * args.queries]

    with TestClient(create_app(settings, store)) as client:
        for path in paths[:10]:  # warm up: vectors loaded, calibration drawn, templates built
            client.get(path)
        client.get("/")
        cached = per_request_ms(client, ["/"] * 500)
        for n, (mode, baseline) in enumerate(runs):
            with no_keyword_index() if baseline else nullcontext():
                ms = per_request_ms(client, [f"{p}&mode={mode}" for p in chunk(n)])
            name = f"search page, {mode}, distinct queries" + \
                (", no keyword index (baseline)" if baseline else "")
            rows.append((name, ms, ms / cached))
        n = len(runs)
        for mode in modes:
            for part, call in parts:
                ms = per_call_ms(lambda q, mode=mode, call=call: call(q, mode),  # type: ignore[misc]
                                 [query_of(p) for p in chunk(n)])
                rows.append((f"search page, {mode}: {part} (in process, no page)", ms, ms / cached))
                n += 1
    load = os.getloadavg()[0]
    print(f"`python bench/search_cpu.py --db {db.name} --model {args.model} --queries "
          f"{args.queries}`: {papers:,} papers; {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average "
          f"{load:.1f} at the end.\n")
    cpus = os.cpu_count() or 1
    print(f"| request | CPU ms per request | vs a cached page | requests/s {cpus} CPUs allow |")
    print("|---|---:|---:|---:|")
    print(f"| home page from the page cache (baseline) | {cached:.2f} | 1.0x | "
          f"{cpus * 1000 / cached:,.0f} |")
    for name, ms, ratio in rows:
        print(f"| {name} | {ms:.1f} | {ratio:.0f}x | {cpus * 1000 / ms:,.0f} |")


if __name__ == "__main__":
    main()
