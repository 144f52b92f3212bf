"""Snapshot import at scale against the FTS5-only ceiling of the same size, in one run, by
the writing process's CPU seconds (wall rates mean little on a shared machine).

A file of --size records generated from the 99 k real ones (as bench/ingest.py and
bench/big_archive.py make them) is imported twice, each into a fresh database in a child:

  fts        the same texts into a bare FTS5 table, 5,000 per commit: the ceiling
  paperfeed  `paperfeed ingest snapshot` (import_snapshot, the parser in its own process):
             the writer's CPU split by phase (new rows into papers and their indexes, the
             full-text backlog's INSERT ... SELECT, the fingerprint look-ups, commits),
             per --every papers, to see what grows with the size of the database

    .venv/bin/python bench/import_scale.py --size 700000 --dir /work/tmp-bigbox-import
        [--runs fts,paperfeed] [--src <older tree>/src ...] [--keep <path>.db]

--keep moves the last paperfeed run's database to the path given (for indexing and serving
it afterwards, as bench/big_archive.py does) instead of deleting it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import ingest as snapshot_bench  # noqa: E402

PHASES = ("_insert_bulk", "catch_up", "_fingerprints")


def run_phases(db: Path, path: Path, every: int, batch_size: int) -> dict[str, Any]:
    """import_snapshot with the writer's CPU seconds counted per phase and per `every`
    papers."""
    from paperfeed.ingest.snapshot import import_snapshot
    from paperfeed.store import open_store
    from paperfeed.store.sqlite import connection
    from paperfeed.store.sqlite import papers as sqlite_papers

    totals = dict.fromkeys((*PHASES, "commit"), 0.0)
    segments: list[dict[str, float]] = []
    seen = [0, 0.0]  # papers written, CPU at the start of the segment

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] += time.process_time() - start
                if name == "_insert_bulk":
                    seen[0] += len(args[1])
                    if seen[0] // every > len(segments):
                        now = time.process_time()
                        segments.append({"papers": seen[0], "cpu": now - seen[1],
                                         **{k: round(v, 2) for k, v in totals.items()}})
                        seen[1] = now
        return wrapper

    for name in PHASES:
        setattr(sqlite_papers, name, counted(name, getattr(sqlite_papers, name)))
    write = connection.SqliteConnection.write

    def timed_write(self: Any) -> Any:  # the COMMIT at the end of each batch
        context = write(self)

        class Timed:
            def __enter__(self) -> Any:
                return context.__enter__()

            def __exit__(self, *exc: Any) -> Any:
                start = time.process_time()
                try:
                    return context.__exit__(*exc)
                finally:
                    totals["commit"] += time.process_time() - start
        return Timed()

    connection.SqliteConnection.write = timed_write  # type: ignore[method-assign]
    store = open_store(f"sqlite:///{db}")
    cpu, start = time.process_time(), time.perf_counter()
    seen[1] = cpu
    report = import_snapshot(store, path, restart=True, batch_size=batch_size)
    seconds = time.perf_counter() - start
    writer_cpu = time.process_time() - cpu
    store.close()
    return {"count": report.total_seen, "seconds": seconds, "writer_cpu": writer_cpu,
            "phases": totals, "segments": segments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=700_000)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--every", type=int, default=100_000)
    parser.add_argument("--runs", default="fts,paperfeed")
    parser.add_argument("--batch-sizes", default="5000",
                        help="papers per transaction of the paperfeed runs (one run each)")
    parser.add_argument("--src", type=Path, action="append", default=[],
                        help="another tree's src/ for a paperfeed run (repeatable: one run "
                             "each, labelled by its parent directory's name)")
    parser.add_argument("--keep", type=Path, help="keep the last paperfeed run's database here")
    parser.add_argument("--spread-days", action="store_true",
                        help="date each copy of the corpus on an earlier span of the past (as "
                             "a real snapshot's dates grow with its ids), not all on its own days")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    big = args.dir / f"snapshot-{args.size}{'-spread' if args.spread_days else ''}.json"
    if args.child:
        print(json.dumps(run_phases(args.dir / "pf.db", big, args.every, int(args.child))))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    if not big.exists():
        snapshot_bench.write_files(args.dir, args.size, spread_days=args.spread_days)
        (args.dir / "snapshot-1m.json").rename(big)
        (args.dir / "snapshot-99k.json").unlink()
    results: dict[str, Any] = {"size": args.size, "spread_days": args.spread_days,
                               "machine": snapshot_bench.machine()}
    sizes = args.batch_sizes.split(",")
    runs = [f"{r}:{b}" if r == "paperfeed" and len(sizes) > 1 else r
            for r in args.runs.split(",") for b in (sizes if r == "paperfeed" else [""])]
    runs += [f"paperfeed@{src}" for src in args.src]
    for run in runs:
        for suffix in ("", "-wal", "-shm"):
            for name in ("fts.db", "pf.db"):
                Path(f"{args.dir / name}{suffix}").unlink(missing_ok=True)
        load = os.getloadavg()[0]
        if run == "fts":
            results["fts"] = snapshot_bench.measure("fts", args.dir / "fts.db", big,
                                                    check=False)
        else:
            env = dict(os.environ)
            if "@" in run:
                env["PYTHONPATH"] = run.split("@", 1)[1]
            batch = run.split(":", 1)[1] if ":" in run else sizes[0]
            out = subprocess.run([sys.executable, __file__, "--child", batch, "--size",
                                  str(args.size), "--dir", str(args.dir), "--every",
                                  str(args.every),
                                  *(["--spread-days"] if args.spread_days else [])],
                                 check=True, capture_output=True, text=True, env=env)
            results[run] = json.loads(out.stdout.strip().splitlines()[-1])
        results[run]["load"] = [load, os.getloadavg()[0]]
        r = results[run]
        print(f"{run}: {r['count']:,} papers, writer CPU {r['writer_cpu']:.1f} s = "
              f"{r['count'] / r['writer_cpu']:,.0f} per CPU-second, wall {r['seconds']:.0f} s, "
              f"load {r['load'][0]:.1f}-{r['load'][1]:.1f}", flush=True)
    for run in runs:
        if run.startswith("paperfeed") and "fts" in results:
            ratio = (results[run]["count"] / results[run]["writer_cpu"]) / (
                results["fts"]["count"] / results["fts"]["writer_cpu"])
            results[run]["ratio_by_writer_cpu"] = ratio
            print(f"{run} / FTS5-only ceiling, by writer CPU: {ratio:.2f}x")
    for name in ("fts.db", "pf.db"):
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{args.dir / name}{suffix}")
            if args.keep and name == "pf.db" and path.exists():
                path.replace(f"{args.keep}{suffix}")
            path.unlink(missing_ok=True)
    (args.dir / f"results-{int(time.time())}.json").write_text(json.dumps(results, indent=1))
    print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=1))


if __name__ == "__main__":
    main()
