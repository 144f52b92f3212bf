"""The vector index: one model's vectors loaded from the store into memory, cosine top-k.

Vectors are L2-normalised, so cosine similarity is a dot product: one float32 matrix-vector
product (numpy) per query, exact. Its cost grows with the vectors, so above ANN_THRESHOLD
an HNSW graph (usearch, int8) proposes candidates instead and the float32 matrix rescores
them exactly; the graph is built on first use and cached on disk (index/ann.py). The index
loads only what is new since its last look (the store numbers vectors per model), so a
long-running process stays current at the cost of one indexed query per search. DESIGN.md
"Embeddings" has the measured costs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from paperfeed.index.ann import ANN_OVERSAMPLE, ANN_THRESHOLD, Ann
from paperfeed.index.embedder import default_cache_dir
from paperfeed.store import Store
from paperfeed.store.base import Vectors, VectorSearch, VectorStore

_CACHE_SIZE = 4  # (store, model) pairs kept per process
ANN_INLINE_ROWS = 5_000  # new vectors added to the graph within a search (more: in background)
_cache: OrderedDict[tuple[str, str], VectorSearch] = OrderedDict()
_cache_lock = threading.Lock()


class VectorIndex:
    """Exact nearest neighbours over one model's vectors."""

    def __init__(self, model: str, *, ann_threshold: int = ANN_THRESHOLD,
                 cache_dir: Path | None = None, source: str = "") -> None:
        self.model = model
        self._ids: list[str] = []  # row -> paper id (a replaced vector leaves a stale row)
        self._pos: dict[str, int] = {}  # paper id -> its current row
        self._stale: set[int] = set()
        self._ann_threshold = ann_threshold
        self._ann = Ann(cache_dir or default_cache_dir() / "ann", f"{source}|{model}")
        self._matrix: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._seq = 0
        self._lock = threading.Lock()
        self._ann_lock = threading.Lock()  # the graph: searched, extended, built
        self._ann_busy = False  # a background thread is building or extending it

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def dim(self) -> int:
        return int(self._matrix.shape[1])

    def refresh(self, store: VectorStore) -> int:
        """Load the vectors stored since the last refresh; return how many arrived."""
        added = 0
        with self._lock:
            while True:
                ids, block, mark = store.embeddings_since(self.model, self._seq)
                if not ids:
                    return added
                self.add(ids, block)
                self._seq, added = mark, added + len(ids)

    def add(self, ids: list[str], block: Vectors) -> None:
        """Append vectors (rows of block, unit length) for ids; a known id's old row goes stale."""
        self._append(ids, block)

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
                self._stale.add(old)
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
        if len(self._pos) > self._ann_threshold and self._graph_ready(n):
            return self._approximate(query, k, n)
        scores = self._matrix[:n] @ query
        if self._stale:
            scores[np.fromiter(self._stale, dtype=np.int64)] = -np.inf
        return self._top(scores, None, k)

    def _approximate(self, query: Vectors, k: int, n: int) -> list[tuple[str, float]]:
        """Candidates from the HNSW graph (stale rows dropped), rescored exactly."""
        fetch = ANN_OVERSAMPLE * k + min(len(self._stale), k)
        with self._ann_lock:
            rows = self._ann.candidates(query, min(n, fetch))
        if self._stale:
            rows = rows[[int(r) not in self._stale for r in rows]]
        return self._top(self._matrix[rows] @ query, rows, k)

    def warm(self) -> None:
        """Load or build the approximate index now (when above the threshold), not at the
        first search."""
        if len(self._pos) > self._ann_threshold:
            with self._ann_lock:
                self._ann.cover(self._matrix, self._ids, len(self._ids))

    def _graph_ready(self, n: int) -> bool:
        """Whether the graph holds rows 0..n-1 (a few new rows are added on the spot); when
        it was never loaded or lags far behind, it is brought up to date in a background
        thread and searches are answered exactly meanwhile."""
        with self._ann_lock:
            if self._ann_busy:
                return False
            missing = n - self._ann.rows
            if self._ann.graph is not None and missing <= ANN_INLINE_ROWS:
                if missing > 0:
                    self._ann.cover(self._matrix, self._ids, n)
                return True
            self._ann_busy = True
        threading.Thread(target=self._cover_in_background, args=(self._matrix, n),
                         name=f"ann-{self.model}", daemon=True).start()
        return False

    def _cover_in_background(self, matrix: Vectors, n: int) -> None:
        try:
            self._ann.cover(matrix, self._ids, n)
        finally:
            with self._ann_lock:
                self._ann_busy = False

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

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], Vectors]:
        """The ids among ids that have a vector, in the order given, and their vectors."""
        known = [i for i in ids if i in self._pos]
        rows = np.fromiter((self._pos[i] for i in known), dtype=np.int64, count=len(known))
        return known, self._matrix[rows]


def index_for(store: Store, model: str) -> VectorSearch:
    """This process's index of model's vectors in store, brought up to date: the store's own
    when its database searches vectors (PostgreSQL), else one loaded into this process. A
    blend's name ("best+fast", index/blend.py) gives each paper's best model's score."""
    if "+" in model:
        from paperfeed.index.blend import BlendIndex

        return BlendIndex(store, model, [index_for(store, m) for m in model.split("+")])
    key = (store.url, model)
    with _cache_lock:
        index = _cache.get(key)
        if index is None:
            native = store.vector_index(model)  # (an empty index is falsy: no `or` here)
            index = _cache[key] = native if native is not None else \
                VectorIndex(model, source=store.url)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
    index.refresh(store)
    return index
