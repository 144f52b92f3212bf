"""CPU per uncached search page for two source trees, on the same distinct queries, alternating.

bench/search_cpu.py measures one tree on random queries; comparing two of its runs mixes the
trees' difference with the queries'. This script gives each tree the same queries: for each
round and mode a fresh process per tree (so neither warms the other's caches) asks the app
in process (Starlette's TestClient) for the round's searches and reports the process's CPU
time per request; the trees take turns going first. It also checks that both trees show the
same page: the "N results match" line and the papers in order.

    git archive <before> src | tar -x -C /tmp/before
    python bench/search_cpu_ab.py --db 99k.db --before /tmp/before/src --rounds 3 --queries 40
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
_COUNT = re.compile(r'<p class="count"[^>]*>(.*?)</p>', re.S)
_PAPER = re.compile(r'<article[^>]*id="paper-([^"]+)"')


def queries(db: Path, n: int, seed: int = 18) -> list[str]:
    """n distinct searches, two or three words of titles spread over the database (the
    same for every run with the same seed and database)."""
    rng = random.Random(seed)
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT max(rowid) FROM papers").fetchone()[0]
        rowids = rng.sample(range(1, top + 1), min(top, n * 3))
        titles = [r[0] for r in conn.execute(
            f"SELECT title FROM papers WHERE rowid IN ({','.join('?' * len(rowids))})", rowids)]
    rng.shuffle(titles)
    found = dict.fromkeys(" ".join(rng.sample(t.split(), min(len(t.split()), rng.choice([2, 3]))))
                          for t in titles if len(t.split()) >= 2)
    return list(found)[:n]


def worker(src: str, db: str, model: str, mode: str, warm: list[str], timed: list[str]) -> None:
    """Runs in a fresh process: the app from src, CPU ms per page over timed, and each
    page's match line and papers, as JSON on stdout."""
    import time

    sys.path.insert(0, src)
    from fastapi.testclient import TestClient

    import paperfeed
    from paperfeed.config import load_settings
    from paperfeed.store import open_store
    from paperfeed.web.app import create_app

    assert Path(paperfeed.__file__).resolve().is_relative_to(Path(src).resolve())
    settings = load_settings(environ={"PAPERFEED_EMBEDDING_MODEL": model},
                             database_url=f"sqlite:///{db}")
    pages = []
    with TestClient(create_app(settings, open_store(settings.database_url))) as client:
        for q in warm:  # vectors loaded, calibration drawn, templates compiled
            client.get("/search", params={"q": q, "mode": mode})
        start = time.process_time()
        for q in timed:
            response = client.get("/search", params={"q": q, "mode": mode})
            assert response.status_code == 200, (q, response.status_code)
            pages.append(response.text)
        ms = (time.process_time() - start) / len(timed) * 1000
    seen = [[m.group(1) if (m := _COUNT.search(p)) else "", _PAPER.findall(p)] for p in pages]
    print(json.dumps({"ms": ms, "pages": seen}))


def run(src: str, args: argparse.Namespace, mode: str, warm: list[str],
        timed: list[str]) -> dict[str, object]:
    spec = json.dumps([src, str(args.db), args.model, mode, warm, timed])
    out = subprocess.run([sys.executable, __file__, "--worker", spec], check=True,
                         capture_output=True, text=True, cwd=HERE.parent).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a paperfeed SQLite database (not changed)")
    parser.add_argument("--before", help="the src directory of the tree to compare with")
    parser.add_argument("--after", default=str(HERE.parent / "src"), help="default: this tree")
    parser.add_argument("--model", default="minilm-static-256", help="the query encoder")
    parser.add_argument("--queries", type=int, default=40, help="searches per round and mode")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="keyword,hybrid")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*json.loads(args.worker))
        return
    if not args.db or not args.before:
        parser.error("--db and --before are required")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    pool = queries(args.db, 10 + args.rounds * len(modes) * args.queries)
    warm, rest = pool[:10], pool[10:]
    trees = {"before": args.before, "after": args.after}
    times: dict[tuple[str, str], list[float]] = {}
    differ = 0
    for r in range(args.rounds):
        for k, mode in enumerate(modes):
            n = (r * len(modes) + k) * args.queries
            timed = rest[n:n + args.queries]
            order = list(trees) if r % 2 == 0 else list(reversed(trees))
            got = {name: run(trees[name], args, mode, warm, timed) for name in order}
            for name in trees:
                times.setdefault((mode, name), []).append(float(got[name]["ms"]))  # type: ignore[arg-type]
            differ += sum(a != b for a, b in zip(got["before"]["pages"],  # type: ignore[call-overload]
                                                 got["after"]["pages"], strict=True))
            print(f"round {r + 1} {mode}: before {times[mode, 'before'][-1]:.1f} ms, after "
                  f"{times[mode, 'after'][-1]:.1f} ms", file=sys.stderr)
    print(f"`python bench/search_cpu_ab.py --db {args.db.name} --model {args.model} --modes "
          f"{','.join(modes)} --queries {args.queries} --rounds {args.rounds}`: "
          f"{args.rounds} rounds of {args.queries} "
          f"distinct searches per mode, the same for both trees; {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average "
          f"{os.getloadavg()[0]:.1f} at the end; pages that differ between the trees: {differ}.\n")
    print("| search page, distinct queries | before: CPU ms per page | after | after/before |")
    print("|---|---:|---:|---:|")
    for mode in modes:
        before, after = median(times[mode, "before"]), median(times[mode, "after"])
        print(f"| {mode} (median of rounds) | {before:.1f} | {after:.1f} | "
              f"{after / before:.2f} ({before / after:.2f}x less) |")


if __name__ == "__main__":
    main()
