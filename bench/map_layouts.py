"""Which library lays out the map: openTSNE, umap-learn, PaCMAP (and PCA as the baseline).

Reads the vectors of a database straight from SQLite (numpy only, so it runs in a scratch
environment that has the candidates; they are not the project's dependencies), lays out a
random sample with each library that is installed, and reports wall and CPU seconds and the
share of each point's 10 nearest neighbours (cosine) kept among its 10 nearest on the map.
The first call of a numba-based library includes its JIT compile: the cost a fresh test run
or a new worker pays.

    python3 -m venv /tmp/layouts && /tmp/layouts/bin/pip install numpy scikit-learn \\
        openTSNE umap-learn pacmap
    nice -n 10 /tmp/layouts/bin/python bench/map_layouts.py --db COPY.db --size 20000
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tsne(x: np.ndarray) -> np.ndarray:
    from openTSNE import TSNEEmbedding, affinity, initialization

    aff = affinity.PerplexityBasedNN(x, perplexity=30, metric="cosine", n_jobs=2,
                                     random_state=0)
    emb = TSNEEmbedding(initialization.pca(x, random_state=0), aff, n_jobs=2, random_state=0)
    emb = emb.optimize(n_iter=125, exaggeration=12, momentum=0.5)
    return np.asarray(emb.optimize(n_iter=250, momentum=0.8))


def umap(x: np.ndarray) -> np.ndarray:
    import umap as umap_learn

    return np.asarray(umap_learn.UMAP(n_neighbors=15, metric="cosine", n_jobs=2,
                                      low_memory=True).fit_transform(x))


def pacmap(x: np.ndarray) -> np.ndarray:
    import pacmap as pm

    return np.asarray(pm.PaCMAP(n_components=2, n_neighbors=10).fit_transform(x, init="pca"))


def pca(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(axis=0)
    return centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T


def kept(x: np.ndarray, y: np.ndarray, k: int = 10, queries: int = 1000) -> float:
    picked = np.random.default_rng(1).choice(len(x), min(queries, len(x)), replace=False)
    high = np.argsort(-(x[picked] @ x.T), axis=1)[:, 1:k + 1]
    low = [np.argsort(((y - y[q]) ** 2).sum(axis=1))[1:k + 1] for q in picked]
    return float(np.mean([len(set(h) & set(lo)) / k for h, lo in zip(high, low, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--model", default="minilm-static-256")
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--only", default="pca,tsne,umap,pacmap")
    args = parser.parse_args()
    rows = sqlite3.connect(args.db).execute(
        "SELECT vector FROM embeddings WHERE model = ? ORDER BY paper_id", (args.model,))
    x = np.array([np.frombuffer(r[0], dtype="<f4") for r in rows], dtype=np.float32)
    rng = np.random.default_rng(0)
    x = np.ascontiguousarray(x[rng.choice(len(x), min(args.size, len(x)), replace=False)])
    methods: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "pca": pca, "tsne": tsne, "umap": umap, "pacmap": pacmap}
    print(f"| layout ({len(x):,} vectors) | wall s | CPU s | 10-NN kept |\n|---|---:|---:|---:|")
    for name in args.only.split(","):
        wall, c0 = time.perf_counter(), cpu()
        try:
            y = methods[name](x)
        except ImportError as exc:
            print(f"| {name} | not installed: {exc} | | |")
            continue
        print(f"| {name} | {time.perf_counter() - wall:.1f} | {cpu() - c0:.1f} | "
              f"{kept(x, y):.3f} |", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
