"""Snapshot import speed: papers/s into SQLite with full text, against a naive baseline.

Converts ../shared/data/arxiv_corpus.jsonl.gz to the arXiv snapshot format in a temp dir
(and a 1 M-record file generated from it), then imports each into a fresh database in a
child process (so each run's peak memory is its own):

  parse     reading, parsing and rendering rows only (no database): the parser process's
            ceiling
  fts       the same texts into a bare FTS5 table: SQLite's ceiling for full-text indexing
  rows      rows rendered beforehand (untimed), then only the bulk writes
            (Store.upsert_rows + finish_bulk): the writing process's ceiling
  naive     one INSERT per paper, autocommit (same parser, same schema and triggers)
  batched   the foundation's path: executemany of 2,000-row batches, triggers per row
  paperfeed `paperfeed ingest snapshot` (import_snapshot), then the same file again

  .venv/bin/python bench/ingest.py [--big N] [--naive-limit N] [--write]
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
from datetime import UTC, datetime, timedelta
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


def spread(record: dict, copy: int, days: int) -> dict:
    """record as the copy-th generated copy places it: dated copy * days earlier, so copies
    take successive spans of the past as arXiv's own years do (each copy's rows land in a
    region of the date indexes of its own, as a real snapshot's, whose ids and dates grow
    together, do), instead of every copy on the corpus's own 18 months."""
    if not copy or not record.get("published"):
        return record
    when = datetime.fromisoformat(record["published"][:10]) - timedelta(days=copy * days)
    return {**record, "published": when.date().isoformat()}


def write_files(tmp: Path, big: int, *, spread_days: bool = False) -> tuple[Path, Path]:
    """The corpus as a snapshot file, and big records made of it (copies with new ids, on
    the corpus's own days, or with spread_days on successive spans of the past)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        corpus = [json.loads(line) for line in lines]
    dated = sorted(r["published"][:10] for r in corpus if r.get("published"))
    edge = len(dated) // 20  # the bulk of its days: a few thousand are dated years earlier
    span = (datetime.fromisoformat(dated[-1 - edge]) - datetime.fromisoformat(dated[edge])).days
    small = tmp / "snapshot-99k.json"
    with small.open("w", encoding="utf-8") as out:
        for record in corpus:
            out.write(json.dumps(to_snapshot(record), ensure_ascii=False) + "\n")
    large = tmp / "snapshot-1m.json"
    with large.open("w", encoding="utf-8") as out:
        for n in range(big):
            copy = n // len(corpus)
            record = spread(corpus[n % len(corpus)], copy, span) if spread_days else \
                corpus[n % len(corpus)]
            out.write(json.dumps(to_snapshot(record, f"{7001 + copy:04d}.{n % len(corpus):05d}"),
                                 ensure_ascii=False) + "\n")
    return small, large


# -- the runs, each in a child process ---------------------------------------------------
# Each returns (records, seconds of the timed part).


def _prepared_rows(path: Path, limit: int | None):
    from paperfeed.ingest.snapshot import parse_record
    from paperfeed.store.records import COLUMNS, paper_to_columns

    now = datetime.now(UTC).isoformat(timespec="seconds")
    with path.open("rb") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                return
            row = paper_to_columns(parse_record(json.loads(line)))
            yield (*(row[c] for c in COLUMNS), now, now)


def run_naive(db: Path, path: Path, limit: int | None, batch: int | None) -> tuple[int, float]:
    """Same parser, same schema and triggers; one INSERT per paper in autocommit (batch None)
    or executemany of `batch` rows per transaction."""
    from paperfeed.store import open_store
    from paperfeed.store.records import COLUMNS

    open_store(f"sqlite:///{db}").close()
    start = time.perf_counter()
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
            _commit_rows(conn, sql, pending)
            pending = []
    _commit_rows(conn, sql, pending)
    conn.close()
    return count, time.perf_counter() - start


def _commit_rows(conn: sqlite3.Connection, sql: str, rows: list) -> None:
    if rows:
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")


def run_parse(path: Path) -> tuple[int, float]:
    """Reading, parsing and rendering rows (no database), with the parser process's garbage
    collection settings: that process's ceiling."""
    import gc

    from paperfeed.ingest.snapshot import read_snapshot
    from paperfeed.models import Paper
    from paperfeed.store.records import render_paper

    gc.disable()
    start = time.perf_counter()
    count = 0
    for item in read_snapshot(path):
        if isinstance(item, Paper):
            render_paper(item)
            count += 1
            if count % 5000 == 0:
                gc.collect()
    return count, time.perf_counter() - start


def run_rows(db: Path, path: Path) -> tuple[int, float]:
    """Rows rendered beforehand, then only the bulk writes, 5,000 per transaction: the
    writing process's ceiling."""
    from paperfeed.ingest.snapshot import read_snapshot
    from paperfeed.models import Paper
    from paperfeed.store import open_store
    from paperfeed.store.records import render_paper

    rows = [render_paper(item) for item in read_snapshot(path) if isinstance(item, Paper)]
    store = open_store(f"sqlite:///{db}")
    TIMED_CPU[0] = time.process_time()
    start = time.perf_counter()
    for i in range(0, len(rows), 5000):
        store.upsert_rows(rows[i:i + 5000], bulk=True)
    store.finish_bulk()
    seconds = time.perf_counter() - start
    store.close()
    return len(rows), seconds


def run_fts(db: Path, path: Path) -> tuple[int, float]:
    """Only the full-text index: the same texts into an FTS5 table like papers_fts, 5,000
    per transaction, nothing else: SQLite's ceiling for indexing on this machine."""
    with path.open(encoding="utf-8") as lines:
        rows = [(r["title"], r["abstract"], r["authors"]) for r in map(json.loads, lines)]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors_text, "
                 "tokenize='porter unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', 67108864)")
    TIMED_CPU[0] = time.process_time()
    start = time.perf_counter()
    for i in range(0, len(rows), 5000):
        _commit_rows(conn, "INSERT INTO papers_fts VALUES (?, ?, ?)", rows[i:i + 5000])
    seconds = time.perf_counter() - start
    conn.close()
    return len(rows), seconds


def run_paperfeed(db: Path, path: Path) -> tuple[int, float]:
    from paperfeed.ingest.snapshot import import_snapshot
    from paperfeed.store import open_store

    store = open_store(f"sqlite:///{db}")
    TIMED_CPU[0] = time.process_time()
    start = time.perf_counter()
    report = import_snapshot(store, path, restart=True)
    seconds = time.perf_counter() - start
    store.close()
    return report.total_seen, seconds


TIMED_CPU = [0.0]  # this process's CPU time when the timed part began


def child(args: argparse.Namespace) -> None:
    db, path = Path(args.db), Path(args.path)
    if args.mode == "paperfeed":
        count, seconds = run_paperfeed(db, path)
    elif args.mode == "parse":
        count, seconds = run_parse(path)
    elif args.mode == "fts":
        count, seconds = run_fts(db, path)
    elif args.mode == "rows":
        count, seconds = run_rows(db, path)
    else:
        count, seconds = run_naive(db, path, args.limit,
                                   2000 if args.mode == "batched" else None)
    fts_ok = None
    if db.exists() and not args.no_check:
        conn = sqlite3.connect(db)
        fts_ok = conn.execute("INSERT INTO papers_fts(papers_fts, rank) "
                              "VALUES ('integrity-check', 1)") is not None
        conn.close()
    writer_cpu = time.process_time() - TIMED_CPU[0]  # this process, timed part only
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the parser process
    cpu = time.process_time() + children.ru_utime + children.ru_stime
    print(json.dumps({"count": count, "seconds": seconds, "cpu": cpu, "writer_cpu": writer_cpu,
                      "fts_ok": fts_ok, "rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss would include the parent's
    from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(mode: str, db: Path, path: Path, limit: int | None = None,
            check: bool = True) -> dict:
    """One run in a child process; check: the FTS5 integrity check after it (minutes for
    millions of papers)."""
    cmd = [sys.executable, __file__, "--child", mode, "--db", str(db), "--path", str(path)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if not check:
        cmd.append("--no-check")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rate"] = result["count"] / result["seconds"]
    print(f"  {mode:9} {path.name:18} {result['count']:>9,} in {result['seconds']:7.1f} s "
          f"= {result['rate']:8,.0f} papers/s, CPU {result['cpu']:.0f} s "
          f"(writer {result.get('writer_cpu', 0):.1f} s), "
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
    parser.add_argument("--no-check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.mode = args.child
        child(args)
        return
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found")
    where = machine()
    print(where)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        small, large = write_files(tmp, args.big)
        runs = {
            "parse": measure("parse", tmp / "none.db", small),
            "fts": measure("fts", tmp / "fts.db", small),
            "rows": measure("rows", tmp / "rows.db", small),
            "naive": measure("naive", tmp / "naive.db", small, args.naive_limit),
            "batched": measure("batched", tmp / "batched.db", small),
            "paperfeed": measure("paperfeed", tmp / "pf.db", small),
            "again": measure("paperfeed", tmp / "pf.db", small),
            "big": measure("paperfeed", tmp / "big.db", large),
        }
    table = render(runs, where)
    print(table)
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(table)


def render(runs: dict, where: str) -> str:
    naive = runs["naive"]["rate"]
    rows = [
        ("ceiling: read + parse + render rows only, no database", runs["parse"]),
        ("ceiling: FTS5 index only (texts ready, 5,000 per commit)", runs["fts"]),
        ("ceiling: bulk writes only (rows ready, 5,000 per commit)", runs["rows"]),
        ("naive: one INSERT per paper, autocommit", runs["naive"]),
        ("executemany, 2,000 per commit, FTS triggers row by row", runs["batched"]),
        ("paperfeed ingest snapshot, fresh database", runs["paperfeed"]),
        ("paperfeed ingest snapshot, same file again (unchanged)", runs["again"]),
        ("paperfeed ingest snapshot, fresh database, generated file", runs["big"]),
    ]
    lines = [
        f"\n## Snapshot import into SQLite with FTS5 ({datetime.now(UTC):%Y-%m-%d})\n",
        f"Command: `.venv/bin/python bench/ingest.py --write`; machine: {where}.\n",
        "| run | records | papers/s (wall) | x naive | CPU s (all processes) | peak RSS MB "
        "| FTS integrity |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, r in rows:
        lines.append(f"| {label} | {r['count']:,} | {r['rate']:,.0f} | {r['rate'] / naive:.1f} | "
                     f"{r['cpu']:.0f} | {r['rss_mb']:.0f} | "
                     f"{ {True: 'ok', False: 'FAILED', None: '-'}[r['fts_ok']]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
