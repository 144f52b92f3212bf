"""Snapshot import speed: papers/s into SQLite with full text, against a naive baseline.

Converts ../shared/data/arxiv_corpus.jsonl.gz to the arXiv snapshot format in a temp dir
(and a 1 M-record file generated from it), then imports each into a fresh database in a
child process (so each run's peak memory is its own):

  naive     one INSERT per paper, autocommit (same parser, same schema and triggers)
  batched   the foundation's path: executemany of 2,000-row batches, triggers per row
  paperfeed `paperfeed ingest snapshot` (import_snapshot), then the same file again

  .venv/bin/python bench/ingest.py [--records N] [--big N] [--write]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
RESULTS = ROOT / "bench" / "RESULTS.md"


def to_snapshot(record: dict, new_id: str | None = None) -> dict:
    """One corpus record in the shape of arxiv-metadata-oai-snapshot.json."""
    published = record.get("published")
    versions = []
    if published:
        when = datetime.fromisoformat(published[:10]).replace(hour=12, tzinfo=UTC)
        versions = [{"version": "v1", "created": format_datetime(when, usegmt=True)}]
    authors = record.get("authors") or []
    return {
        "id": new_id or record["id"], "submitter": authors[0] if authors else None,
        "authors": ", ".join(authors), "title": record["title"], "comments": None,
        "journal-ref": None, "doi": None, "report-no": None,
        "categories": " ".join(record.get("categories") or []), "license": None,
        "abstract": record["abstract"], "versions": versions,
        "update_date": (published or "2025-01-01")[:10],
        "authors_parsed": [[*reversed(a.rsplit(" ", 1)), ""] if " " in a else [a, "", ""]
                           for a in authors],
    }


def write_files(tmp: Path, big: int) -> tuple[Path, Path, int]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        corpus = [json.loads(line) for line in lines]
    small = tmp / "snapshot-99k.json"
    with small.open("w", encoding="utf-8") as out:
        for record in corpus:
            out.write(json.dumps(to_snapshot(record), ensure_ascii=False) + "\n")
    large = tmp / "snapshot-1m.json"
    with large.open("w", encoding="utf-8") as out:
        for n in range(big):
            record = corpus[n % len(corpus)]
            copy = n // len(corpus)
            out.write(json.dumps(to_snapshot(record, f"{7001 + copy:04d}.{n % len(corpus):05d}"),
                                 ensure_ascii=False) + "\n")
    return small, large, len(corpus)


# -- the runs, each in a child process ---------------------------------------------------


def _prepared_rows(path: Path, limit: int | None):
    from paperfeed.ingest.snapshot import parse_record
    from paperfeed.store.records import COLUMNS, paper_to_row

    now = datetime.now(UTC).isoformat(timespec="seconds")
    with path.open("rb") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            row = paper_to_row(parse_record(json.loads(line)))
            yield (*(row[c] for c in COLUMNS), now, now)


def run_naive(db: Path, path: Path, limit: int | None, batch: int | None) -> int:
    from paperfeed.store import open_store
    from paperfeed.store.records import COLUMNS

    open_store(f"sqlite:///{db}").close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = (f"INSERT INTO papers ({', '.join(COLUMNS)}, ingested_at, modified_at) "
           f"VALUES ({', '.join('?' * (len(COLUMNS) + 2))})")
    count, pending = 0, []
    for values in _prepared_rows(path, limit):
        count += 1
        if batch is None:
            conn.execute(sql, values)  # autocommit: one transaction per paper
            continue
        pending.append(values)
        if len(pending) >= batch:
            conn.execute("BEGIN")
            conn.executemany(sql, pending)
            conn.execute("COMMIT")
            pending = []
    if pending:
        conn.execute("BEGIN")
        conn.executemany(sql, pending)
        conn.execute("COMMIT")
    conn.close()
    return count


def run_paperfeed(db: Path, path: Path) -> int:
    from paperfeed.ingest.snapshot import import_snapshot
    from paperfeed.store import open_store

    store = open_store(f"sqlite:///{db}")
    report = import_snapshot(store, path, restart=True)
    store.close()
    return report.total_seen


def child(args: argparse.Namespace) -> None:
    db, path = Path(args.db), Path(args.path)
    start = time.perf_counter()
    if args.mode == "paperfeed":
        count = run_paperfeed(db, path)
    else:
        count = run_naive(db, path, args.limit, 2000 if args.mode == "batched" else None)
    seconds = time.perf_counter() - start
    conn = sqlite3.connect(db)
    fts_ok = conn.execute("INSERT INTO papers_fts(papers_fts, rank) "
                          "VALUES ('integrity-check', 1)") is not None
    stored = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    conn.close()
    print(json.dumps({"count": count, "seconds": seconds, "cpu": time.process_time(),
                      "stored": stored, "fts_ok": fts_ok, "rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss would include the parent's
    from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, db: Path, path: Path, limit: int | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--db", str(db), "--path", str(path)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rate"] = result["count"] / result["seconds"]
    print(f"  {mode:9} {path.name:18} {result['count']:>9,} in {result['seconds']:7.1f} s "
          f"= {result['rate']:8,.0f} papers/s, CPU {result['cpu']:.0f} s, "
          f"peak RSS {result['rss_mb']:.0f} MB", flush=True)
    return result


def machine() -> str:
    return (f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"load average {os.getloadavg()[0]:.1f} at start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=int, default=1_000_000, help="records in the big file")
    parser.add_argument("--naive-limit", type=int, default=None,
                        help="papers the naive baseline imports (default: all of the 99 k)")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.mode = args.child
        child(args)
        return
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found")
    print(machine())
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        small, large, n = write_files(tmp, args.big)
        runs = {
            "naive": measure("naive", tmp / "naive.db", small, args.naive_limit),
            "batched": measure("batched", tmp / "batched.db", small),
            "paperfeed": measure("paperfeed", tmp / "pf.db", small),
            "again": measure("paperfeed", tmp / "pf.db", small),
            "big": measure("paperfeed", tmp / "big.db", large),
        }
    table = render(runs, n, args.big)
    print(table)
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(table)


def render(runs: dict, n: int, big: int) -> str:
    naive = runs["naive"]["rate"]
    rows = [
        ("naive: one INSERT per paper, autocommit", runs["naive"], f"{n:,}"),
        ("batched executemany, triggers per row (before)", runs["batched"], f"{n:,}"),
        ("paperfeed ingest snapshot, fresh database", runs["paperfeed"], f"{n:,}"),
        ("paperfeed ingest snapshot, same file again (unchanged)", runs["again"], f"{n:,}"),
        ("paperfeed ingest snapshot, fresh database", runs["big"], f"{big:,}"),
    ]
    lines = [
        f"\n## Snapshot import into SQLite with FTS5 ({datetime.now(UTC):%Y-%m-%d})\n",
        f"Command: `.venv/bin/python bench/ingest.py --write`; machine: {machine()}.\n",
        "| run | records | papers/s (wall) | x naive | CPU s (all threads) | peak RSS MB "
        "| FTS integrity |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, r, count in rows:
        lines.append(f"| {label} | {count} | {r['rate']:,.0f} | {r['rate'] / naive:.1f} | "
                     f"{r['cpu']:.0f} | {r['rss_mb']:.0f} | "
                     f"{'ok' if r['fts_ok'] else 'FAILED'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
