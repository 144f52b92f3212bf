"""How similar a text is to papers in general under one model: the yardstick that lets a
similarity floor mean the same for every model and every corpus size.

Cosine values are not comparable across models (a static model's neighbours sit far closer
than MiniLM's) nor across texts (a broad text is near everything). So a similarity is read
against the text's similarities to a fixed-size sample of the model's stored papers: a
z-score, whose meaning does not change with the model or the number of papers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
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
_blends: dict[tuple[str, str], tuple[int, list[Vectors] | None]] = {}


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
    """The yardstick for one text's vector; None when too few papers have vectors. A blend of
    models (index/blend.py) scores on this scale already: the identity."""
    from paperfeed.index.blend import BlendIndex

    if isinstance(index, BlendIndex):
        return Yardstick(mean=0.0, std=1.0) if index.calibrated(vector) else None
    sample = reference(store, index)
    if len(sample) < MIN_REFERENCE or sample.shape[1] != vector.shape[0]:
        return None
    sims = sample @ vector
    return Yardstick(mean=float(sims.mean()), std=max(float(sims.std()), 1e-3))


def blend_reference(store: Store, indexes: Sequence[VectorSearch]) -> list[Vectors] | None:
    """Every model's vectors of one sample of papers that have a vector from each (the
    first, best model is the rarest), so the models' z-scores are read against the same
    papers; None when fewer than MIN_REFERENCE have all.
    Drawn once per process and blend, redrawn as the best model's vectors grow."""
    key, count = (store.url, "+".join(i.model for i in indexes)), len(indexes[0])
    with _lock:
        found = _blends.get(key)
    if found is not None and found[0] <= count <= found[0] * REFRESH_GROWTH:
        return found[1]
    sample = _draw_shared(store, [i.model for i in indexes], count)
    with _lock:
        _blends[key] = (count, sample)
    return sample


def _draw_shared(store: Store, models: list[str], count: int) -> list[Vectors] | None:
    """Papers spread over the best model's vectors in the order they were stored (it embeds
    newest first and never replaces its own: marks 0..count reach them all) that have every
    other model's vector too."""
    step = max(1, count // SLICES)
    ids: list[str] = []
    for mark in range(0, count, step):
        ids += store.embeddings_since(models[0], mark, limit=REFERENCE // SLICES)[0]
    ids = list(dict.fromkeys(ids))
    vectors = [store.get_embeddings(m, ids) for m in models]
    shared = [i for i in ids if all(i in v for v in vectors)]
    if len(shared) < MIN_REFERENCE:
        return None
    return [np.stack([v[i] for i in shared]).astype(np.float32) for v in vectors]


def forget() -> None:
    """Drop every sample (tests; a process that switched stores)."""
    with _lock:
        _samples.clear()
        _blends.clear()
