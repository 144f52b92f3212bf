"""The vector index: one model's vectors loaded from the store into memory, exact cosine top-k.

Vectors are L2-normalised, so cosine similarity is a dot product: one float32 matrix-vector
product (numpy) per query. The index loads only what is new since its last look (the store
numbers vectors per model), so a long-running process stays current at the cost of one
indexed query per search. DESIGN.md "Embeddings" has the measured costs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from paperfeed.store import Store
from paperfeed.store.base import Vectors

_CACHE_SIZE = 4  # (store, model) pairs kept per process
_cache: OrderedDict[tuple[str, str], VectorIndex] = OrderedDict()
_cache_lock = threading.Lock()


class VectorIndex:
    """Exact nearest neighbours over one model's vectors."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._ids: list[str] = []  # row -> paper id (a replaced vector leaves a stale row)
        self._pos: dict[str, int] = {}  # paper id -> its current row
        self._stale: list[int] = []
        self._matrix: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._seq = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def dim(self) -> int:
        return int(self._matrix.shape[1])

    def refresh(self, store: Store) -> int:
        """Load the vectors stored since the last refresh; return how many arrived."""
        added = 0
        with self._lock:
            while True:
                ids, block, mark = store.embeddings_since(self.model, self._seq)
                if not ids:
                    return added
                self._append(ids, block)
                self._seq, added = mark, added + len(ids)

    def _append(self, ids: list[str], block: Vectors) -> None:
        n = len(self._ids)
        if n + len(ids) > self._matrix.shape[0] or self._matrix.shape[1] != block.shape[1]:
            grown = np.zeros((max(2 * n, n + len(ids), 1024), block.shape[1]), dtype=np.float32)
            if self._matrix.shape[1] == block.shape[1]:
                grown[:n] = self._matrix[:n]
            self._matrix = grown
        self._matrix[n:n + len(ids)] = block
        for row, pid in enumerate(ids, start=n):
            old = self._pos.get(pid)
            if old is not None:
                self._stale.append(old)
            self._pos[pid] = row
        self._ids.extend(ids)

    def search(self, query: Vectors, k: int,
               among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The k ids most similar to query (a 1-d unit vector), best first, optionally only
        among the given ids."""
        if k <= 0 or not self._pos:
            return []
        if among is not None:
            rows = np.fromiter((self._pos[i] for i in among if i in self._pos), dtype=np.int64)
            return self._top(self._matrix[rows] @ query, rows, k)
        n = len(self._ids)
        scores = self._matrix[:n] @ query
        if self._stale:
            scores[self._stale] = -np.inf
        return self._top(scores, None, k)

    def _top(self, scores: Vectors, rows: np.ndarray | None,
             k: int) -> list[tuple[str, float]]:
        k = min(k, len(scores))
        if k == 0:
            return []
        part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best = part[np.argsort(-scores[part], kind="stable")]
        out = []
        for i in best:
            row = int(rows[i]) if rows is not None else int(i)
            if np.isfinite(scores[i]):
                out.append((self._ids[row], float(scores[i])))
        return out

    def scores(self, query: Vectors, ids: Sequence[str]) -> dict[str, float]:
        """Similarity of query to each known id among ids."""
        known = [i for i in dict.fromkeys(ids) if i in self._pos]
        if not known:
            return {}
        rows = np.fromiter((self._pos[i] for i in known), dtype=np.int64)
        return dict(zip(known, (self._matrix[rows] @ query).tolist(), strict=True))

    def vector(self, paper_id: str) -> Vectors | None:
        """The stored vector of a paper, if it has one."""
        row = self._pos.get(paper_id)
        return None if row is None else self._matrix[row]


def index_for(store: Store, model: str) -> VectorIndex:
    """This process's index of model's vectors in store, brought up to date."""
    key = (store.url, model)
    with _cache_lock:
        index = _cache.get(key)
        if index is None:
            native = _native(store, model)  # (an empty index is falsy: no `or` here)
            index = _cache[key] = native if native is not None else VectorIndex(model)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
    index.refresh(store)
    return index


def _native(store: Store, model: str) -> VectorIndex | None:
    """PostgreSQL answers nearest-neighbour queries itself (pgvector): nothing to load."""
    if not store.url.startswith(("postgresql://", "postgres://")):
        return None
    from paperfeed.index.pg_vectors import native_index

    return native_index(store, model)
