"""`paperfeed map build` and `map place`: compute the corpus map and keep it current.

A build lays out every paper that has a vector from the model, clusters and labels them,
and replaces the stored map; when a map exists it is the starting point (its papers keep
their places, its clusters their numbers). Between builds, place() puts newly embedded
papers beside their nearest mapped neighbours, so the points readers know do not jump.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from paperfeed.index import layout, topics
from paperfeed.store import Store
from paperfeed.store.base import MapCluster, MapPoint, Vectors

REBUILD_AFTER = timedelta(days=7)  # the worker rebuilds a map this old
REBUILD_SHARE = 0.2  # ... or one that placed papers have grown by this much


@dataclass(frozen=True)
class MapReport:
    """What a build or a placement did, and how long its parts took (seconds)."""

    papers: int
    clusters: int
    placed: int = 0
    seconds: dict[str, float] | None = None

    def summary(self) -> str:
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in (self.seconds or {}).items())
        what = f"placed {self.placed:,} new papers" if self.placed else \
            f"mapped {self.papers:,} papers in {self.clusters} clusters"
        return what + (f" ({timing})" if timing else "")


def load_vectors(store: Store, model: str) -> tuple[list[str], Vectors]:
    """Every vector of model, as (ids, matrix)."""
    ids: list[str] = []
    parts: list[Vectors] = []
    mark = 0
    while True:
        got, matrix, mark = store.embeddings_since(model, mark)
        if not got:
            break
        ids.extend(got)
        parts.append(matrix)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    matrix = np.concatenate(parts)
    latest = {pid: i for i, pid in enumerate(ids)}  # a replaced vector: keep the newest row
    rows = sorted(latest.values(), key=lambda i: ids[i])
    return [ids[i] for i in rows], np.ascontiguousarray(matrix[rows])


def _version(built: datetime, placed: datetime | None = None) -> str:
    stamp = built.isoformat(timespec="seconds")
    return stamp + (f"|{placed.isoformat(timespec='seconds')}" if placed else "")


def built_at(version: str | None) -> datetime | None:
    """When the stored map was built, read from its version."""
    if not version:
        return None
    return datetime.fromisoformat(version.split("|", 1)[0])


def build_map(store: Store, model: str, *, seed: int = 0, threads: int = 0,
              now: datetime | None = None,
              log: Callable[[str], None] = lambda _: None) -> MapReport:
    """Lay out, cluster and label every paper with a vector of model; store the map."""
    clock: dict[str, float] = {}
    started = time.perf_counter()
    ids, vectors = load_vectors(store, model)
    clock["read"] = time.perf_counter() - started
    if not ids:
        return MapReport(papers=0, clusters=0, seconds=clock)
    previous = store.map_points()
    init, old_labels = _start(ids, vectors, previous)
    log(f"laying out {len(ids):,} papers" + (" from the previous map" if init is not None
                                             else ""))
    mark = time.perf_counter()
    xy = layout.fit_layout(vectors, init=init, seed=seed, threads=threads)
    clock["layout"] = time.perf_counter() - mark
    mark = time.perf_counter()
    k = topics.cluster_count(len(ids))
    start = topics.centroids(vectors, old_labels, k) if old_labels is not None else None
    labels, _ = topics.cluster(vectors, k, start=start, seed=seed)
    clock["cluster"] = time.perf_counter() - mark
    mark = time.perf_counter()
    texts = store.texts(ids)
    words = topics.cluster_words([" ".join(texts.get(i, ("", ""))) for i in ids], labels, k)
    clock["label"] = time.perf_counter() - mark
    clusters = _clusters(xy, labels, words, k)
    store.put_map([(pid, float(x), float(y), int(c)) for pid, (x, y), c
                   in zip(ids, xy, labels, strict=True)], clusters,
                  version=_version(now or datetime.now(UTC)))
    clock["total"] = time.perf_counter() - started
    return MapReport(papers=len(ids), clusters=len(clusters), seconds=clock)


def _start(ids: Sequence[str], vectors: Vectors,
           previous: Sequence[MapPoint]) -> tuple[layout.Coords | None, topics.Labels | None]:
    """The previous map as a starting layout (new papers placed on it) and numbering."""
    old = {p.paper_id: p for p in previous}
    known = np.array([pid in old for pid in ids])
    if not known.any() or known.sum() < 8:
        return None, None
    xy = np.zeros((len(ids), 2), dtype=np.float32)
    labels = np.zeros(len(ids), dtype=np.int64)
    rows = np.flatnonzero(known)
    known_ids = [ids[int(i)] for i in rows]
    xy[rows] = [(old[pid].x, old[pid].y) for pid in known_ids]
    labels[rows] = [old[pid].cluster for pid in known_ids]
    fresh = np.flatnonzero(~known)
    if len(fresh):
        xy[fresh], labels[fresh] = layout.place(vectors[fresh], vectors[rows], xy[rows],
                                                labels[rows])
    return xy, labels


def _clusters(xy: layout.Coords, labels: topics.Labels, words: list[list[str]],
              k: int) -> list[MapCluster]:
    out = []
    for c in range(k):
        members = xy[labels == c]
        if not len(members):
            continue
        cx, cy = np.median(members, axis=0)
        out.append(MapCluster(id=c, label=topics.label(words[c], c), words=tuple(words[c]),
                              size=len(members), x=float(cx), y=float(cy)))
    return out


def place_new(store: Store, model: str, *, now: datetime | None = None) -> MapReport:
    """Put the papers embedded since the last build on the stored map; 0 placed when there
    is no map yet or nothing new."""
    started = time.perf_counter()
    version = store.map_version()
    new = store.unmapped_ids(model)
    if version is None or not new:
        return MapReport(papers=0, clusters=0, placed=0)
    points = {p.paper_id: p for p in store.map_points()}
    ids, vectors = load_vectors(store, model)
    row = {pid: i for i, pid in enumerate(ids)}
    mapped = [p for pid, p in points.items() if pid in row]
    fresh = [pid for pid in new if pid in row]
    if not mapped or not fresh:
        return MapReport(papers=len(points), clusters=0, placed=0)
    xy, labels = layout.place(
        vectors[[row[pid] for pid in fresh]], vectors[[row[p.paper_id] for p in mapped]],
        np.array([(p.x, p.y) for p in mapped], dtype=np.float32),
        np.array([p.cluster for p in mapped], dtype=np.int64))
    store.place_points([(pid, float(x), float(y), int(c)) for pid, (x, y), c
                        in zip(fresh, xy, labels, strict=True)],
                       version=_version(built_at(version) or datetime.now(UTC),
                                        now or datetime.now(UTC)))
    return MapReport(papers=len(points) + len(fresh), clusters=0, placed=len(fresh),
                     seconds={"total": time.perf_counter() - started})


def refresh_map(store: Store, model: str, *, now: datetime | None = None) -> MapReport:
    """What the worker does each round: build when there is no map, when it is old or
    placements have grown it by a fifth; else place what is new. While papers still wait
    for vectors (a backlog worked off over rounds) an existing map only grows by placement,
    so it is not rebuilt at every step of the backlog."""
    now = now or datetime.now(UTC)
    built = built_at(store.map_version())
    if built is None:
        return build_map(store, model, now=now)
    if store.count_pending_embeddings(model):
        return place_new(store, model, now=now)
    if now - built >= REBUILD_AFTER:
        return build_map(store, model, now=now)
    pending = len(store.unmapped_ids(model))
    if pending and pending >= REBUILD_SHARE * max(1, sum(c.size for c in store.map_clusters())):
        return build_map(store, model, now=now)
    return place_new(store, model, now=now)
