"""A 60 s loopback load over everything a reader or a feed reader asks for, mixed: cached and
uncached pages, the JSON APIs and the feeds, 64 connections. It must answer with 0 errors.

Starts `paperfeed serve` on 127.0.0.1 against a copy of a 99 k-paper database and drives it
with wrk (Debian's `wrk`; bench/web_load.py's asyncio client when wrk is missing). The
baseline, run in the same script, is the cached home page alone: the ratio says what the
mix costs against the cheapest page. Uncached means every request asks something not asked
before (distinct searches, API searches, search feeds), so the page cache cannot help.

    .venv/bin/python bench/load.py [--db PATH] [--duration 60] [--workers 2] [--write]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from web_load import (
    REPO,
    Result,
    free_port,
    machine,
    run_python,
    run_wrk,
    start_server,
    vectors_note,
)


def _ids(db: Path, n: int) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM papers ORDER BY day DESC LIMIT ?",
                                           (n,))]


def _queries(db: Path, n: int) -> list[str]:
    rng = random.Random(11)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM papers ORDER BY random() "
                                             "LIMIT ?", (n * 2,))]
    found = dict.fromkeys(" ".join(rng.sample(t.split(), 2)) for t in titles
                          if len(t.split()) >= 2)
    return [quote(q) for q in list(found)[:n]]


def mixed_paths(db: Path, seconds: int) -> tuple[list[str], dict[str, int]]:
    """One long list of requests, kinds interleaved; the uncached kinds never repeat a URL
    within the run (enough of them for the highest rate measured, about 400 uncached/s)."""
    ids = _ids(db, 2000)
    queries = iter(_queries(db, 400 * seconds))
    kinds: dict[str, list[str]] = {
        "cached pages": ["/", "/daily", "/weekly", "/monthly", "/trending"] +
                        [f"/papers/{quote(i, safe='/')}" for i in ids[:200]],
        "uncached pages": [],  # filled per round from distinct queries
        "API": [f"/api/v1/papers/{quote(i, safe='/')}" for i in ids[:300]] +
               ["/api/v1/papers", "/api/v1/trending", "/api/daily_papers",
                "/api/v1/papers?sort=date"] +
               [f"/api/papers/{quote(i, safe='/')}" for i in ids[300:600]],
        "feeds": ["/feeds/daily.atom", "/feeds/daily.rss", "/feeds/trending.atom",
                  "/feeds/trending.rss", "/feeds/category/cs.LG.atom",
                  "/feeds/category/cs.rss"],
    }
    paths, counts = [], dict.fromkeys(kinds, 0)
    rng = random.Random(3)
    for step in range(400 * seconds * 4):
        kind = ("cached pages", "uncached pages", "API", "feeds")[step % 4]
        if kind == "uncached pages":
            q = next(queries, None)
            if q is None:
                break
            path = rng.choice([f"/search?q={q}", f"/api/v1/search?q={q}&limit=10",
                               f"/feeds/search.atom?q={q}", f"/api/papers/search?q={q}"])
        else:
            path = rng.choice(kinds[kind])
        paths.append(path)
        counts[kind] += 1
    return paths, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True,
                        help="a 99 k-paper database (ingest + index); the run works on a copy")
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--model", default="minilm-static-256")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="paperfeed-load-"))
    db = folder / "load.db"
    print(f"copying {args.db} to {db} ...", file=sys.stderr)
    shutil.copyfile(args.db, db)  # serving may migrate and write: never the shared file
    note = vectors_note(db, args.model)
    paths, counts = mixed_paths(db, args.duration)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db, port, args.workers, args.model)
    run = run_wrk if shutil.which("wrk") else run_python
    try:
        for path in ["/", *paths[:200]]:  # warm up: model, vectors, the cached pages
            urllib.request.urlopen(base + path, timeout=60).read()
        results: list[Result] = [run("home page, cached (baseline)", base, ["/"], args, None),
                                 run("mixed: cached + uncached pages, API, feeds", base,
                                     paths[200:], args, None)]
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    mix = ", ".join(f"{k} {v * 100 // max(1, sum(counts.values()))}%" for k, v in counts.items())
    lines = ["| run | requests | req/s | p50 ms | p99 ms | errors | vs baseline |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.requests:,} | {r.rps:,.0f} | {r.p50_ms:.1f} | "
              f"{r.p99_ms:.1f} | {r.errors} | {r.rps / (results[0].rps or 1):.2f}× |"
              for r in results]
    text = "\n".join(lines)
    print(text)
    print(f"mix of the second run: {mix}")
    if args.write:
        command = " ".join(["python", "bench/load.py", *sys.argv[1:]])
        heading = (f"\n## Mixed loopback load ({datetime.now(UTC):%Y-%m-%d})\n\n`{command}`: "
                   f"{args.connections} connections, {args.duration} s per run, "
                   f"{args.workers} uvicorn workers, wrk; machine: {machine()}. {note} "
                   f"Mix (by request list): {mix}; uncached requests never repeat a URL "
                   "(searches on the page, the v1 and Hugging Face APIs and search feeds).\n\n")
        with (REPO / "bench" / "RESULTS.md").open("a") as out:
            out.write(heading + text + "\n")


if __name__ == "__main__":
    main()
