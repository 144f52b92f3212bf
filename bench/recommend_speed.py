"""Time per reader of the reader's model: this checkout against another (the code before a
change), in alternating processes on the same database, so both see the same machine load.

Readers are bench/recommend.py's words suite (the same seed). Each worker process warms the
window once (a first call), then times one recommend() per reader; with --votes, another
reader votes before each call, as on a live instance (caches keyed on every write are
rebuilt then). One BLAS thread, as a web worker runs (web/asgi.py).

    .venv/bin/python bench/recommend_speed.py --db /tmp/99k.db --baseline /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def readers_file(args: argparse.Namespace) -> Path:
    """The suite's readers as JSON (likes, dislikes, window), made once."""
    path: Path = args.out / f"readers-{args.split}-{args.readers}.json"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from recommend import SPLITS, load_corpus, make_readers

        start, end = SPLITS[args.split]
        c = load_corpus(args.corpus, end, "words")
        rows = [{"likes": r.likes, "dislikes": r.dislikes, "since": start.isoformat(),
                 "until": end.isoformat()}
                for _, r in make_readers(c, start, end, args.readers, (1, 2, 3))]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rows))
    return path


def worker(db: str, readers: Path, votes: bool, limit: int, span: int = 0) -> None:
    """Prints the first call's and each reader's time (JSON); span: the window is the
    span days up to the reader's last day instead of the reader's own."""
    from threadpoolctl import threadpool_limits

    from paperfeed.index.embedder import load_embedder
    from paperfeed.rank.recommend import Signals, recommend
    from paperfeed.store import open_store
    from paperfeed.store.base import TextQuery

    threadpool_limits(limits=1, user_api="blas")
    store = open_store(f"sqlite:///{db}")
    emb = load_embedder("minilm-static-256")
    rows = json.loads(readers.read_text())[:limit]
    if span:
        for r in rows:
            r["since"] = (date.fromisoformat(r["until"]) - timedelta(days=span - 1)).isoformat()
    voter = store.get_or_create_reader("speed-voter@example.org")

    def call(r: dict[str, list[str] | str]) -> float:
        t = time.perf_counter()
        recommend(store, Signals(liked=tuple(r["likes"]), disliked=tuple(r["dislikes"])),
                  since=date.fromisoformat(str(r["since"])),
                  until=date.fromisoformat(str(r["until"])), limit=50, embedder=emb)
        return time.perf_counter() - t

    first = call(rows[0])
    times = []
    for r in rows:
        if votes:
            store.toggle_vote(voter, r["likes"][0])
        times.append(call(r))
    window = TextQuery(date_from=date.fromisoformat(rows[0]["since"]),
                       date_to=date.fromisoformat(rows[0]["until"]))
    print(json.dumps({"first": first, "times": times,
                      "candidates": len(store.filter_ids(window, limit=10_000_000))}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="SQLite copy of the 99 k corpus (static "
                    "vectors and term rows, as bench/recommend.py needs)")
    ap.add_argument("--baseline", type=Path, required=True,
                    help="the src directory of the code to compare with")
    ap.add_argument("--corpus", type=Path,
                    default=HERE.parent.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz")
    ap.add_argument("--split", default="test")
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--votes", type=int, default=0,
                    help="readers timed with a vote before each call (0: none)")
    ap.add_argument("--out", type=Path, default=Path("/tmp"))
    ap.add_argument("--spans", default="", help="comma-separated window lengths in days: "
                    "time this checkout over windows of growing size instead (how the time "
                    "grows with the papers of a window, e.g. a 1 M store's month)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        db, readers, votes, limit, *span = args.worker
        worker(db, Path(readers), votes == "1", int(limit), int(span[0]) if span else 0)
        return
    readers = readers_file(args)
    if args.spans:
        spans(args, readers)
        return
    runs: dict[str, dict[str, list[float]]] = {}
    plans = [("no votes", "0", "100000")] + ([("a vote before each", "1", str(args.votes))]
                                              if args.votes else [])
    for label, votes, limit in plans:
        for _ in range(args.rounds):
            for name, src in (("before", args.baseline), ("after", SRC)):
                env = dict(os.environ, PYTHONPATH=str(src))
                out = subprocess.run([sys.executable, __file__, "--db", args.db,
                                      "--baseline", str(args.baseline), "--worker", args.db,
                                      str(readers), votes, limit],
                                     env=env, capture_output=True, text=True, check=True)
                got = json.loads(out.stdout.strip().splitlines()[-1])
                run = runs.setdefault(f"{label}|{name}", {"first": [], "times": []})
                run["first"].append(got["first"])
                run["times"] += got["times"]
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print("\n| code | calls | first call s | p50 ms | p99 ms | p50 vs before |")
    print("|---|---|---|---|---|---|")
    for label, _, _ in plans:
        base = statistics.median(runs[f"{label}|before"]["times"])
        for name in ("before", "after"):
            run = runs[f"{label}|{name}"]
            ms = sorted(1000 * t for t in run["times"])
            p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
            print(f"| {name}, {label} | {len(ms)} | {statistics.median(run['first']):.2f} | "
                  f"{statistics.median(ms):.0f} | {p99:.0f} | "
                  f"{statistics.median(ms) / 1000 / base:.2f}x |")


def spans(args: argparse.Namespace, readers: Path) -> None:
    print("| window days | papers in window | first call s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for span in args.spans.split(","):
        out = subprocess.run([sys.executable, __file__, "--db", args.db, "--baseline",
                              str(args.baseline), "--worker", args.db, str(readers), "0",
                              "12", span], env=dict(os.environ, PYTHONPATH=str(SRC)),
                             capture_output=True, text=True, check=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        ms = sorted(1000 * t for t in got["times"])
        print(f"| {span} | {got['candidates']:,} | {got['first']:.2f} | "
              f"{statistics.median(ms):.0f} | {ms[-1]:.0f} |", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
