"""A web worker's vector memory at a big archive: the in-process vector index and the HNSW
graph as the server builds them, before (a checkout of an older commit) and after (this
tree), each in a child process of its own, in one run.

Vectors: seeded random unit vectors (memory and time do not depend on what they say), handed
to VectorIndex.refresh in the store's 50 k blocks by a stand-in store, with arXiv-like ids.
Steps per side:
  matrix  every vector loaded as refresh loads them (no graph): resident memory after loading
          and its peak; then exact semantic search over the matrix (p50/p99, --queries)
  graph   --graph-size vectors and their saved graph, opened as a web worker opens it (after:
          a memory-mapped view; before: a copy in memory): resident memory (anonymous and
          file-backed) after loading and after --queries searches, and their p50/p99. The
          graph is built once by the after side (the index step's job) and copied for the
          before side (same file format and name).

    .venv/bin/python bench/worker_memory.py --before 5756cde [--size 2700000]
        [--graph-size 300000] [--queries 100] [--dir /work/tmp-bigbox-mem]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent

CHILD = r'''
import json, os, statistics, sys, time
from pathlib import Path
import numpy as np

size, step, cache, dim = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), 256
BLOCK = 50_000

def status():
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out

def block(start, n):
    rng = np.random.default_rng(start)
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows

class Store:
    url = "bench://worker-memory"
    def embeddings_since(self, model, after=0, limit=BLOCK):
        n = min(limit, size - after)
        if n <= 0:
            return [], np.zeros((0, 0), dtype=np.float32), after
        ids = [f"{2000 + i // 100000}.{i % 100000:05d}" for i in range(after, after + n)]
        return ids, block(after, n), after + n

import onnxruntime  # (before usearch: see index/ann.py)
from paperfeed.index.vectors import VectorIndex
out = {"start": status()}
threshold = 10**12 if step == "matrix" else 0
index = VectorIndex("bench-model", ann_threshold=threshold, cache_dir=cache, source=Store.url)
t = time.perf_counter()
index.refresh(Store())
out["load_seconds"] = time.perf_counter() - t
out["loaded"] = status()
if step in ("graph", "build"):
    t = time.perf_counter()
    index.warm()
    out["graph_seconds"] = time.perf_counter() - t
    out["graph_open"] = status()
if step != "build":
    picks, qs = np.load(sys.argv[4]), np.load(sys.argv[5])
    times, found = [], 0
    for q, p in zip(qs, picks):
        t = time.perf_counter()
        got = index.search(q, 30)
        times.append((time.perf_counter() - t) * 1000)
        found += got[0][0] == f"{2000 + int(p) // 100000}.{int(p) % 100000:05d}"
    times.sort()
    out["search"] = {"n": len(times), "p50_ms": statistics.median(times),
                     "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
                     "found_first": found / len(times)}
    out["after_search"] = status()
print(json.dumps(out))
'''


def block(start: int, n: int) -> np.ndarray:
    """Rows start..start+n-1 of the stand-in store (the child's block(), same seed)."""
    rng = np.random.default_rng(start)
    rows = rng.standard_normal((n, 256)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def queries(out: Path, size: int, count: int) -> tuple[Path, Path]:
    """count stored rows with noise (their row is the answer), written here so the
    children's peak memory is their own."""
    rng = np.random.default_rng(99)
    picks = rng.integers(0, size, count)
    qs = np.stack([block(int(p) - int(p) % 50_000, min(50_000, size - int(p) + int(p) % 50_000))
                   [int(p) % 50_000] for p in picks])
    qs += 0.05 * rng.standard_normal(qs.shape).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    paths = out / f"picks-{size}.npy", out / f"queries-{size}.npy"
    np.save(paths[0], picks)
    np.save(paths[1], qs.astype(np.float32))
    return paths


def child(src: Path, size: int, step: str, cache: Path,
          asked: tuple[Path, Path] | None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    extra = [str(p) for p in asked] if asked else []
    proc = subprocess.run([sys.executable, "-c", CHILD, str(size), step, str(cache), *extra],
                          env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{step} at {src} failed:\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(step, src, json.dumps(out), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="a commit of the older code")
    parser.add_argument("--size", type=int, default=2_700_000)
    parser.add_argument("--graph-size", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--steps", default="matrix,graph")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/worker-memory"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    before = args.dir / "before-tree"
    if not before.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(before),
                        args.before], check=True, capture_output=True)
    sides = {"before": before / "src", "after": REPO / "src"}
    results: dict[str, Any] = {"size": args.size, "graph_size": args.graph_size,
                               "before": args.before, "load_start": os.getloadavg()}
    try:
        for step in args.steps.split(","):
            if step == "matrix":
                asked = queries(args.dir, args.size, args.queries)
                for side, src in sides.items():
                    results[f"matrix_{side}"] = child(src, args.size, "matrix",
                                                      args.dir / f"unused-{side}", asked)
            elif step == "graph":
                built = args.dir / "graph-after"
                results["graph_build"] = child(sides["after"], args.graph_size, "build", built,
                                               None)
                asked = queries(args.dir, args.graph_size, args.queries)
                old = args.dir / "graph-before"
                old.mkdir(exist_ok=True)
                for path in built.glob("*.usearch"):
                    shutil.copy(path, old / path.name)
                    results["graph_file_bytes"] = path.stat().st_size
                for side, src in sides.items():
                    results[f"graph_{side}"] = child(src, args.graph_size, "graph",
                                                     args.dir / f"graph-{side}", asked)
    finally:
        results["load_end"] = os.getloadavg()
        (args.dir / "results.json").write_text(json.dumps(results, indent=1))
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(before)],
                       check=False, capture_output=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
