"""All of arXiv on one box: a 2.7 M-paper snapshot generated from the 99 k real records (as
bench/ingest.py does for 1 M), imported, indexed and served, step by step.

Steps (each records its figures in DIR/results.json and is skipped when already there, so a
stopped run goes on where it stopped):

  import   the single-writer ceilings of bench/ingest.py at 99 k (FTS5 alone; bulk writes of
           ready rows), `paperfeed ingest snapshot` of the 99 k file and of the big file
  vectors  `paperfeed index --only vectors` for --embed-seconds (0: to the end), then killed
           (a kill mid-run must leave a consistent store); the papers it did not reach get
           their original's real vector plus noise (as bench/search_latency.py
           --vectors-from does), the measured rate says how long the real thing takes
  graph    the HNSW graph the web workers view, written by `paperfeed index --only vectors`
           once every paper has a vector (time, peak memory, file size)
  derive   the derived index steps (spelling, cards, terms), each in a child for at most
           --derive-seconds: papers done, rate, and the projected time for the whole archive
  serve    `paperfeed serve` (1 worker): resident memory, home, paper page and hybrid search
           latency over HTTP; then a day of 2,000 new papers: ingest, `paperfeed index
           --only vectors`, and the time until the server finds them by keyword and by
           meaning
  worker   one `paperfeed worker --once` round (embed step, bounded): its peak memory
  search   hybrid p50/p99 in process, as bench/search_latency.py measures them at 1 M

  .venv/bin/python bench/big_archive.py --dir /work/tmp-bigbox [--size 2700000]
      --vectors-from <99 k db with minilm-static-256 vectors> [--steps import,vectors,...]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import ingest as snapshot_bench  # noqa: E402

MODEL = "minilm-static-256"
STEPS = ("import", "vectors", "graph", "derive", "serve", "worker", "search")
NOISE = 0.05  # as bench/search_latency.py


class Run:
    """The run's directory, its results file and how to call paperfeed on its database."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.dir, self.size, self.args = args.dir, args.size, args
        self.db = self.dir / "all.db"
        self.small = self.dir / "snapshot-99k.json"
        self.big = self.dir / f"snapshot-{self.size}.json"
        self.results_path = self.dir / "results.json"
        self.results: dict[str, Any] = json.loads(self.results_path.read_text()) \
            if self.results_path.exists() else {}

    def save(self, step: str, figures: dict[str, Any]) -> None:
        figures["load_average_end"] = os.getloadavg()[0]
        self.results[step] = figures
        self.results_path.write_text(json.dumps(self.results, indent=1))
        print(step, json.dumps(figures), flush=True)

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{self.db}", **extra}
        env.pop("PAPERFEED_CONFIG", None)
        return env

    def paperfeed(self, *args: str, **extra: str) -> list[str]:
        return [sys.executable, "-m", "paperfeed", *args]


def watch(proc: subprocess.Popen[Any], timeout: float = 0) -> tuple[int | None, float, float]:
    """Wait for a child (SIGKILL after timeout seconds; 0: no limit): its exit status (None
    when killed), its peak resident memory in MB and its CPU seconds (user + system, as last
    read from /proc, every second)."""
    start, peak, cpu = time.perf_counter(), 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    while True:
        with contextlib.suppress(OSError, KeyError, IndexError, ValueError):
            peak = max(peak, _status_mb(proc.pid, "VmHWM"))
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / tick
        if proc.poll() is not None:
            return proc.returncode, peak, cpu
        if timeout and time.perf_counter() - start > timeout:
            proc.kill()
            proc.wait()
            return None, peak, cpu
        time.sleep(1)


def _status_mb(pid: int, key: str) -> float:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return int(status[key].split()[0]) / 1024


def step_import(run: Run) -> None:
    if not run.big.exists():
        snapshot_bench.write_files(run.dir, run.size)
        (run.dir / "snapshot-1m.json").rename(run.big)
    tmp = run.dir / "ceilings"
    tmp.mkdir(exist_ok=True)
    figures: dict[str, Any] = {}
    for mode, db, path in (("fts", tmp / "fts.db", run.small), ("rows", tmp / "rows.db", run.small),
                           ("paperfeed", tmp / "pf.db", run.small),
                           ("paperfeed", run.db, run.big)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        label = mode if path == run.small or mode != "paperfeed" else "big"
        figures[f"{label}{'-99k' if label == 'paperfeed' else ''}"] = snapshot_bench.measure(
            mode, db, path, check=path == run.small)
    for db in tmp.glob("*.db*"):
        db.unlink()
    figures["db_bytes"] = sum(p.stat().st_size for p in run.dir.glob("all.db*"))
    run.save("import", figures)


def step_vectors(run: Run) -> None:
    """The real vectors step for a while, killed; then copies for the rest."""
    before = _count_vectors(run.db)
    start = time.perf_counter()
    proc = subprocess.Popen(run.paperfeed("index", "--model", MODEL, "--only", "vectors"),
                            env=run.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code, rss, cpu = watch(proc, run.args.embed_seconds)
    killed = code is None
    took = time.perf_counter() - start
    embedded = _count_vectors(run.db) - before
    total = _count_papers(run.db)
    figures: dict[str, Any] = {"seconds": took, "embedded": embedded, "killed": killed,
                               "rate": embedded / took, "peak_rss_mb": rss, "papers": total,
                               "cpu_seconds": cpu, "rate_per_cpu_second": embedded / cpu}
    figures["extrapolated_full_seconds"] = total / figures["rate"] if embedded else None
    start = time.perf_counter()
    figures["copied"] = _fill_with_copies(run)
    figures["copy_seconds"] = time.perf_counter() - start
    figures["consistent"] = _count_vectors(run.db) == total
    figures["db_bytes"] = sum(p.stat().st_size for p in run.dir.glob("all.db*"))
    run.save("vectors", figures)


def _count_vectors(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM embeddings WHERE model = ?",
                                (MODEL,)).fetchone()[0])


def _count_papers(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])


def _fill_with_copies(run: Run) -> int:
    """Each paper without a vector gets its original's (the 99 k record it was made from)."""
    from paperfeed.store import open_store

    with gzip.open(snapshot_bench.CORPUS, "rt", encoding="utf-8") as lines:
        originals = [json.loads(line)["id"] for line in lines]
    real = open_store(f"sqlite:///{run.args.vectors_from}")
    found = real.get_embeddings(MODEL, originals)
    real.close()
    base = np.stack([found.get(pid, np.zeros(256, dtype=np.float32)) for pid in originals])
    store = open_store(f"sqlite:///{run.db}")
    rng, done, after = np.random.default_rng(0), 0, None
    while batch := store.pending_embeddings(MODEL, limit=20_000, after=after):
        rows = np.array([int(p.id.split(".")[1]) for p in batch]) % len(originals)
        vectors = base[rows] + rng.standard_normal((len(batch), base.shape[1])).astype(
            np.float32) * NOISE
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_embeddings(MODEL, [p.id for p in batch], vectors.astype(np.float32))
        done, after = done + len(batch), batch[-1].cursor
    store.close()
    return done


def step_graph(run: Run) -> None:
    """The graph the web workers view, written as the index step writes it: `paperfeed index
    --only vectors` with every vector in (nothing to embed, so its time is the graph's);
    stopped after --graph-timeout seconds."""
    from paperfeed.index.embedder import default_cache_dir

    start = time.perf_counter()
    proc = subprocess.Popen(run.paperfeed("index", "--model", MODEL, "--only", "vectors"),
                            env=run.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code, rss, cpu = watch(proc, run.args.graph_timeout)
    files = list((default_cache_dir() / "ann").glob("*.usearch"))
    newest = max(files, key=lambda p: p.stat().st_mtime) if files else None
    figures: dict[str, Any] = {"exit": code, "seconds": time.perf_counter() - start,
                               "peak_rss_mb": rss, "cpu_seconds": cpu, "file": str(newest),
                               "file_bytes": newest.stat().st_size if newest else None}
    run.save("graph", figures)


DERIVE = """
import json, sys, time
from paperfeed.index.build import derive
from paperfeed.index.term_rows import pending_terms
from paperfeed.store import open_store
store, step = open_store(sys.argv[1]), sys.argv[2]
left = {"cards": store.count_pending_cards, "terms": lambda: pending_terms(store)}.get(step)
before = left() if left else store.count_papers()
t, c = time.perf_counter(), time.process_time()
done = derive(store, steps=[step], deadline=time.monotonic() + float(sys.argv[3]))
print(json.dumps({"done": max(done), "seconds": time.perf_counter() - t,
                  "cpu_seconds": time.process_time() - c, "pending_before": before}))
"""


def step_derive(run: Run) -> None:
    """Each derived step for at most --derive-seconds (each batch commits; the rest waits
    for the next run): its rate and the time the whole backlog would take at that rate."""
    figures: dict[str, Any] = {}
    for step in ("spelling", "cards", "terms"):
        proc = subprocess.Popen([sys.executable, "-c", DERIVE, f"sqlite:///{run.db}", step,
                                 str(run.args.derive_seconds)],
                                env=run.env(), stdout=subprocess.PIPE, text=True)
        code, rss, cpu = watch(proc)
        out = json.loads(proc.stdout.read() if proc.stdout else "{}")
        rate = out["done"] / out["seconds"] if out.get("done") else None
        figures[step] = {"exit": code, "peak_rss_mb": rss, "rate": rate, "child_cpu": cpu, **out,
                         "projected_seconds": out["pending_before"] / rate if rate else None}
        print(step, figures[step], flush=True)
    run.save("derive", figures)


def _get(url: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
    return (time.perf_counter() - t) * 1000, body


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"n": len(times), "p50_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))]}


def _rss_mb(pid: int) -> dict[str, dict[str, float]]:
    """Resident memory (now and peak) of pid and of its children (the uvicorn worker)."""
    out = {}
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        out[str(p)] = {"rss_mb": _status_mb(p, "VmRSS"), "peak_mb": _status_mb(p, "VmHWM")}
    return out


def step_serve(run: Run) -> None:
    port = 8700 + os.getpid() % 100
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(run.paperfeed("serve", "--port", str(port), "--workers", "1"),
                              env=run.env(PAPERFEED_EMBEDDING_MODEL=MODEL),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures: dict[str, Any] = {}
    try:
        start = time.perf_counter()
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.5)
        figures["up_seconds"] = time.perf_counter() - start
        queries = _queries(run.args.queries)
        t = time.perf_counter()
        _get(f"{base}/api/v1/search?q={urllib.parse.quote(queries[0])}")
        figures["first_search_seconds"] = time.perf_counter() - t  # loads the vectors
        with sqlite3.connect(run.db) as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM papers ORDER BY random() LIMIT ?", (run.args.queries,))]
        figures["home"] = _percentiles([_get(f"{base}/?n={i}")[0] for i in range(50)])
        figures["paper_page"] = _percentiles([_get(f"{base}/papers/{pid}")[0] for pid in ids])
        for mode in ("hybrid", "keyword", "semantic"):
            figures[f"search_page_{mode}"] = _percentiles(
                [_get(f"{base}/search?mode={mode}&q={urllib.parse.quote(q)}")[0]
                 for q in queries[1:]])
        figures["memory"] = _rss_mb(server.pid)
        print("serve", json.dumps(figures), flush=True)  # (the day below takes minutes)
        figures["day"] = _new_day(run, base)
        figures["memory_after_day"] = _rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    run.save("serve", figures)


def _queries(n: int) -> list[str]:
    import search_latency

    return search_latency.queries(snapshot_bench.CORPUS, n)


def _new_day(run: Run, base: str) -> dict[str, Any]:
    """2,000 new papers listed today: ingest, embed, and poll the server until a search by
    meaning finds them."""
    with gzip.open(snapshot_bench.CORPUS, "rt", encoding="utf-8") as lines:
        corpus = [json.loads(line) for n, line in zip(range(2000), lines, strict=False)]
    today = datetime.now(UTC).date().isoformat()
    prefix = 7100 + len(list(run.dir.glob("day-*.json")))  # new ids on every run
    path = run.dir / f"day-{prefix}.json"
    # each abstract ends with a word of its own, which keyword search finds in the new paper
    # alone (the archive holds ~27 copies of every text); search by meaning is asked the
    # title, which the copies share (fewer than the 50 results asked for)
    with path.open("w", encoding="utf-8") as out:
        for n, record in enumerate(corpus):
            listed = {**record, "published": today,
                      "abstract": f"{record['abstract']} qz{prefix}x{n}"}
            out.write(json.dumps(snapshot_bench.to_snapshot(listed, f"{prefix}.{n:05d}")) + "\n")
    figures: dict[str, Any] = {}
    probes = [(f"{prefix}.{n:05d}", f"qz{prefix}x{n}", corpus[n]["title"]) for n in (0, 1000, 1999)]
    start = time.perf_counter()
    subprocess.run(run.paperfeed("ingest", "snapshot", str(path)), env=run.env(), check=True,
                   capture_output=True)
    figures["ingest_seconds"] = time.perf_counter() - start
    figures["keyword"] = _found_by(base, "keyword", start,  # full text: the import's
                                   [(pid, word) for pid, word, _ in probes])
    t = time.perf_counter()
    subprocess.run(run.paperfeed("index", "--model", MODEL, "--only", "vectors"),
                   env=run.env(), check=True, capture_output=True)
    figures["index_seconds"] = time.perf_counter() - t
    figures["semantic"] = _found_by(base, "semantic", start,
                                    [(pid, title) for pid, _, title in probes])
    return figures


def _found_by(base: str, mode: str, start: float,
              probes: list[tuple[str, str]]) -> dict[str, Any]:
    """Poll the server's search in mode until each probe's title finds its paper: seconds
    since start (the new day's file arriving) for each, and for the last."""
    found: dict[str, float] = {}
    while len(found) < len(probes) and time.perf_counter() - start < 600:
        for pid, title in probes:
            if pid in found:
                continue
            _, body = _get(f"{base}/api/v1/search?mode={mode}&limit=50&q="
                           f"{urllib.parse.quote(title)}")
            if pid in body.decode():
                found[pid] = time.perf_counter() - start
        time.sleep(0.5)
    return {"searchable_seconds": max(found.values()) if len(found) == len(probes) else None,
            "found": found}


def step_worker(run: Run) -> None:
    proc = subprocess.Popen(run.paperfeed("worker", "--once"), env=run.env(
        PAPERFEED_EMBEDDING_MODEL=MODEL, PAPERFEED_WORKER_STEPS="embed",
        PAPERFEED_WORKER_EMBED_SECONDS=str(run.args.worker_seconds)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.perf_counter()
    code, rss, cpu = watch(proc)
    run.save("worker", {"exit": code, "seconds": time.perf_counter() - start,
                        "peak_rss_mb": rss, "cpu_seconds": cpu,
                        "round_budget_seconds": run.args.worker_seconds})


SEARCH = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
import search_latency
from paperfeed.index.embedder import load_embedder
from paperfeed.index.vectors import index_for
from paperfeed.rank import search as rank_search
from paperfeed.store import open_store
store = open_store(sys.argv[1]); embedder = load_embedder(sys.argv[2])
index_for(store, embedder.name).warm()
qs = search_latency.queries(search_latency.SHARED / "arxiv_corpus.jsonl.gz", int(sys.argv[4]))
for q in qs[:5]:
    rank_search.search(store, q, embedder=embedder)
out = {m: search_latency.timings(lambda q, m=m: rank_search.search(
    store, q, mode=m, embedder=embedder), qs) for m in ("keyword", "semantic", "hybrid")}
print(json.dumps({"queries": len(qs), **out}))
"""


def step_search(run: Run) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SEARCH, f"sqlite:///{run.db}", MODEL,
                             str(BENCH), str(run.args.queries)],
                            env=run.env(), stdout=subprocess.PIPE, text=True)
    code, rss, cpu = watch(proc)
    out = proc.stdout.read() if proc.stdout else "{}"
    run.save("search", {"exit": code, "peak_rss_mb": rss, "cpu_seconds": cpu,
                        **json.loads(out or "{}")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, required=True, help="where the files go")
    parser.add_argument("--size", type=int, default=2_700_000)
    parser.add_argument("--vectors-from", type=Path, required=True)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--embed-seconds", type=float, default=600)
    parser.add_argument("--worker-seconds", type=float, default=60)
    parser.add_argument("--derive-seconds", type=float, default=300,
                        help="time given to each derived step")
    parser.add_argument("--graph-timeout", type=float, default=0, help="0: no limit")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--again", action="store_true", help="redo steps already recorded")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    run = Run(args)
    for step in args.steps.split(","):
        if step in run.results and not args.again:
            print(f"{step}: done before, skipped", flush=True)
            continue
        globals()[f"step_{step}"](run)


if __name__ == "__main__":
    main()
