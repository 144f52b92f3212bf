"""The map's payload for the page's script: quantised coordinates and ids, gzipped once per
map version and kept in memory, so a request costs a dictionary look-up.

Coordinates are 16-bit steps across the map's bounding box, clusters and categories 8-bit
codes, days 16-bit offsets from the oldest day; each array little-endian, base64 in JSON.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from paperfeed.store import Store
from paperfeed.store.base import MapCluster, MapPoint

STEPS = 65535
OTHER = 255  # category code of the categories beyond the 255 most common
NO_DAY = 65535


@dataclass(frozen=True)
class Payload:
    """One map version's JSON, plain and gzipped, and its ETag."""

    version: str
    body: bytes
    gzipped: bytes
    etag: str


def _b64(array: npt.NDArray[np.generic]) -> str:
    return base64.b64encode(array.astype(array.dtype.newbyteorder("<")).tobytes()).decode()


def _quantise(values: npt.NDArray[np.float64], low: float, high: float) -> npt.NDArray[np.uint16]:
    span = (high - low) or 1.0
    return np.round((values - low) / span * STEPS).clip(0, STEPS).astype(np.uint16)


def encode(points: Sequence[MapPoint], clusters: Sequence[MapCluster], version: str) -> bytes:
    """The payload's JSON (see the module's docstring for the layout)."""
    xy = np.array([(p.x, p.y) for p in points], dtype=np.float64).reshape(-1, 2)
    low = xy.min(axis=0) if len(xy) else np.zeros(2)
    high = xy.max(axis=0) if len(xy) else np.ones(2)
    common = [c for c, _ in Counter(p.category for p in points if p.category).most_common(255)]
    code = {c: i for i, c in enumerate(common)}
    days = [p.day for p in points if p.day is not None]
    first = min(days) if days else date(2000, 1, 1)
    data = {
        "version": version, "n": len(points), "box": [*map(float, low), *map(float, high)],
        "ids": "\n".join(p.paper_id for p in points),
        "x": _b64(_quantise(xy[:, 0], low[0], high[0])),
        "y": _b64(_quantise(xy[:, 1], low[1], high[1])),
        "cluster": _b64(np.array([min(p.cluster, 254) for p in points], dtype=np.uint8)),
        "category": _b64(np.array([code.get(p.category or "", OTHER) for p in points],
                                  dtype=np.uint8)),
        "categories": common, "day0": first.isoformat(),
        "day": _b64(np.array([(p.day - first).days if p.day else NO_DAY for p in points],
                             dtype=np.uint16)),
        "clusters": [{"id": c.id, "label": c.label, "size": c.size,
                      "x": int(_quantise(np.array([c.x]), low[0], high[0])[0]),
                      "y": int(_quantise(np.array([c.y]), low[1], high[1])[0])}
                     for c in clusters],
    }
    return json.dumps(data, separators=(",", ":")).encode()


class PayloadCache:
    """The payload of the stored map's current version (one is kept; a new version
    replaces it)."""

    def __init__(self) -> None:
        self._payload: Payload | None = None
        self._lock = threading.Lock()

    def get(self, store: Store) -> Payload | None:
        version = store.map_version()
        if version is None:
            return None
        payload = self._payload
        if payload is not None and payload.version == version:
            return payload
        with self._lock:
            if self._payload is None or self._payload.version != version:
                body = encode(store.map_points(), store.map_clusters(), version)
                tag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
                self._payload = Payload(version, body, gzip.compress(body, 6, mtime=0), tag)
            return self._payload
