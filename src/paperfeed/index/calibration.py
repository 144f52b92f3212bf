"""How similar a text is to papers in general under one model: the yardstick that lets a
similarity floor mean the same for every model and every corpus size.

Cosine values are not comparable across models (a static model's neighbours sit far closer
than MiniLM's) nor across texts (a broad text is near everything). So a similarity is read
against the text's similarities to a fixed-size sample of the model's stored papers: a
z-score, whose meaning does not change with the model or the number of papers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from paperfeed.store import Store
from paperfeed.store.base import Vectors, VectorSearch

REFERENCE = 1000  # papers in the sample
SLICES = 10  # the sample is taken from this many evenly spread places in the listing
MIN_REFERENCE = 30  # fewer papers with vectors than this give no yardstick
REFRESH_GROWTH = 1.2  # the sample is redrawn once the model has this many times more vectors

_lock = threading.Lock()
_samples: dict[tuple[str, str], tuple[int, Vectors]] = {}


@dataclass(frozen=True)
class Yardstick:
    """A text's similarity to papers in general: mean and spread over the sample."""

    mean: float
    std: float

    def z(self, similarity: float) -> float:
        return (similarity - self.mean) / self.std


def reference(store: Store, index: VectorSearch) -> Vectors:
    """Up to REFERENCE stored vectors of the index's model, from papers spread over the
    whole listing; drawn once per process and model, redrawn as the model's vectors grow."""
    key, count = (store.url, index.model), len(index)
    with _lock:
        found = _samples.get(key)
    if found is not None and found[0] <= count <= found[0] * REFRESH_GROWTH:
        return found[1]
    sample = _draw(store, index.model)
    with _lock:
        _samples[key] = (count, sample)
    return sample


def _draw(store: Store, model: str) -> Vectors:
    total = store.count_papers()
    step = max(1, total // SLICES)
    ids: list[str] = []
    for offset in range(0, total, step):
        ids += [p.id for p in store.list_papers(limit=REFERENCE // SLICES, offset=offset)]
    vectors = store.get_embeddings(model, list(dict.fromkeys(ids)))
    if not vectors:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([vectors[i] for i in sorted(vectors)]).astype(np.float32)


def yardstick(store: Store, index: VectorSearch, vector: Vectors) -> Yardstick | None:
    """The yardstick for one text's vector; None when too few papers have vectors."""
    sample = reference(store, index)
    if len(sample) < MIN_REFERENCE or sample.shape[1] != vector.shape[0]:
        return None
    sims = sample @ vector
    return Yardstick(mean=float(sims.mean()), std=max(float(sims.std()), 1e-3))


def forget() -> None:
    """Drop every sample (tests; a process that switched stores)."""
    with _lock:
        _samples.clear()
