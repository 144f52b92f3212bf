"""A topic's core: the papers of the whole store that say the topic outright, and where they
sit in a model's space.

A topic of two to six words is a weak vector, and a paper that names every word of the topic
in one sentence, only far apart, may be about the topic or about something else. The papers
that match the topic word for word (rank/match.py's close-together route, among the topic's
best keyword matches in the whole store) show what it means in this corpus; their centroid
judges such a paper: it fits when its similarity to the centroid is unusually high, read as a
z-score against the centroid's similarities to papers in general (index/calibration.py), so
the floor means the same for every model and at every corpus size. Kept per store, papers
version, model and topic (topics repeat across subscribers and digests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from paperfeed.index.calibration import Yardstick, yardstick
from paperfeed.store import Store
from paperfeed.store.base import Vectors, VectorSearch

MIN_PAPERS = 5  # fewer papers saying the topic outright give no core (too few to average)
_KEPT = 4096
_lock = threading.Lock()


@dataclass(frozen=True)
class Core:
    """The centroid of a topic's own papers under one model, and its yardstick."""

    centroid: Vectors
    scale: Yardstick
    papers: int

    def z(self, similarity: float) -> float:
        return self.scale.z(similarity)


_found: dict[tuple[str, str, str, str], Core | None] = {}


def core(store: Store, index: VectorSearch, topic: str,
         own: Callable[[], Sequence[str]]) -> Core | None:
    """The topic's core under the index's model (None: too few papers say it, or too few
    have vectors). own: gathers the ids of the papers that say the topic, called only when
    the core is not kept yet."""
    key = (store.url, store.papers_version(), index.model, topic)
    with _lock:
        if key in _found:
            return _found[key]
    found = build(store, index, own())
    with _lock:
        if len(_found) > _KEPT:
            _found.clear()
        _found[key] = found
    return found


def build(store: Store, index: VectorSearch, ids: Sequence[str]) -> Core | None:
    """The core of these papers (those with a vector from the index's model)."""
    known, vectors = index.vectors(list(dict.fromkeys(ids)))
    if len(known) < MIN_PAPERS:
        return None
    centroid = unit(index, vectors.astype(np.float32).mean(axis=0))
    scale = yardstick(store, index, centroid)
    return None if scale is None else Core(centroid=centroid, scale=scale, papers=len(known))


def unit(index: VectorSearch, vector: Vectors) -> Vectors:
    """vector at unit length; for a blend of models each model's part on its own, as the
    blend's rows are."""
    from paperfeed.index.blend import BlendIndex

    parts = index.split(vector) if isinstance(index, BlendIndex) else [vector]
    out: Vectors = np.concatenate(
        [p / max(float(np.linalg.norm(p)), 1e-12) for p in parts]).astype(np.float32)
    return out


def forget() -> None:
    """Drop every kept core (tests; a process that switched stores)."""
    with _lock:
        _found.clear()
