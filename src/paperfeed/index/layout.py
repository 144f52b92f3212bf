"""The map's 2-D layout of paper vectors (t-SNE, openTSNE) and placing new papers on it.

t-SNE keeps neighbours next to each other better than UMAP or PaCMAP on these vectors, and
openTSNE ships compiled wheels (no JIT compile on first use); DESIGN.md "The corpus map"
has the comparison. A rebuild starts from the previous layout, so old papers stay where
readers saw them; between rebuilds a new paper sits at the weighted mean of its nearest
mapped neighbours (place), which costs one matrix product.
"""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from paperfeed.store.base import Vectors

Coords = npt.NDArray[np.float32]  # (n, 2)
EARLY_ITERATIONS = 125  # with exaggeration: clusters form (skipped when starting from a map)
ITERATIONS = 250  # without: the layout settles
NEIGHBOURS = 10  # mapped papers a new one is placed among
SHARPNESS = 20.0  # softmax weight of a neighbour's cosine: the nearest ones dominate
_CHUNK = 2048


def fit_layout(vectors: Vectors, *, init: Coords | None = None, seed: int = 0,
               iterations: int = ITERATIONS, threads: int = 0) -> Coords:
    """2-D coordinates of unit vectors (cosine neighbours near each other). With init (one
    row per vector, e.g. the previous map plus placed new papers) the layout starts from it
    and skips the exaggerated phase, so it moves little. threads 0: up to two (one for a
    small map, where threads cost more than they save)."""
    n = len(vectors)
    threads = threads or (1 if n < 5_000 else min(2, os.cpu_count() or 1))
    if n < 8:  # too few for t-SNE's neighbourhoods: a projection does
        return _projection(vectors)
    from openTSNE import TSNEEmbedding, affinity, initialization

    perplexity = float(min(30.0, (n - 1) / 3.0 - 1.0))
    affinities = affinity.PerplexityBasedNN(
        np.ascontiguousarray(vectors, dtype=np.float32), perplexity=perplexity,
        metric="cosine", n_jobs=threads, random_state=seed, verbose=False)
    start = initialization.pca(vectors, random_state=seed) if init is None else \
        np.array(init, dtype=np.float64)
    embedding = TSNEEmbedding(start, affinities, n_jobs=threads, random_state=seed,
                              verbose=False)
    if init is None:
        embedding = embedding.optimize(n_iter=EARLY_ITERATIONS, exaggeration=12,
                                       momentum=0.5)
    embedding = embedding.optimize(n_iter=iterations, momentum=0.8)
    out = np.asarray(embedding, dtype=np.float32)
    return out if init is None else align(out, np.asarray(init, dtype=np.float32))


def align(moving: Coords, fixed: Coords) -> Coords:
    """moving turned (or mirrored), scaled and shifted to lie closest to fixed (Procrustes):
    t-SNE keeps expanding and may rotate as it optimises, which alone would move every point."""
    mu_m, mu_f = moving.mean(axis=0), fixed.mean(axis=0)
    a, b = moving - mu_m, fixed - mu_f
    u, s, vt = np.linalg.svd(a.T @ b)
    scale = float(s.sum() / max(float((a ** 2).sum()), 1e-12))
    out: Coords = (scale * a @ (u @ vt) + mu_f).astype(np.float32)
    return out


def _projection(vectors: Vectors) -> Coords:
    centred = vectors - vectors.mean(axis=0)
    if len(vectors) < 2:
        return np.zeros((len(vectors), 2), dtype=np.float32)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = np.zeros((len(vectors), 2), dtype=np.float32)
    proj = centred @ vt[:2].T
    out[:, :proj.shape[1]] = proj
    return out


def neighbours(queries: Vectors, base: Vectors,
               k: int = NEIGHBOURS) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """The k most similar rows of base for each query (unsorted) and their cosines."""
    k = min(k, len(base))
    rows = np.zeros((len(queries), k), dtype=np.intp)
    sims = np.zeros((len(queries), k), dtype=np.float32)
    for start in range(0, len(queries), _CHUNK):
        block = queries[start:start + _CHUNK] @ base.T
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        rows[start:start + len(block)] = top
        sims[start:start + len(block)] = np.take_along_axis(block, top, axis=1)
    return rows, sims


def place(queries: Vectors, base: Vectors, base_xy: Coords,
          base_cluster: npt.NDArray[np.int64]) -> tuple[Coords, npt.NDArray[np.int64]]:
    """Where new papers go on an existing map: the weighted mean of their nearest mapped
    neighbours, and the cluster that carries most of their weight."""
    if len(queries) == 0 or len(base) == 0:
        return np.zeros((len(queries), 2), dtype=np.float32), np.zeros(len(queries), np.int64)
    rows, sims = neighbours(queries, base)
    weights = np.exp(SHARPNESS * (sims - sims.max(axis=1, keepdims=True)))
    weights /= weights.sum(axis=1, keepdims=True)
    xy = (base_xy[rows] * weights[..., None]).sum(axis=1).astype(np.float32)
    labels = base_cluster[rows]
    clusters = np.array([np.bincount(labels[i], weights=weights[i]).argmax()
                         for i in range(len(queries))], dtype=np.int64)
    return xy, clusters
