"""The vector index: one model's vectors loaded from the store into memory, cosine top-k.

Vectors are L2-normalised, so cosine similarity is a dot product. They are held as float16
(index/matrix.py: half the memory, scores summed in float32, about 1e-4 off the float32
cosine) and scored exactly below ANN_THRESHOLD (from SKETCH_MIN rows, the candidates of the
int8 copies' dot products, rescored); above it an HNSW graph (usearch, int8,
index/ann.py) proposes candidates and the matrix rescores them. The graph is a memory-mapped
file written by the index step, shared by every worker through the page cache; rows newer
than the file (a day's papers) are scored exactly beside it, and a process builds, saves and
views a graph of its own only when there is no file for its rows or the file lags far
behind. The index loads only what is new since its last look (the store numbers vectors per
model), so a long-running process stays current at the cost of one indexed query per search.
DESIGN.md "Embeddings" has the measured costs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from paperfeed.index.ann import ANN_OVERSAMPLE, ANN_THRESHOLD, Ann
from paperfeed.index.embedder import default_cache_dir
from paperfeed.index.matrix import HalfMatrix
from paperfeed.store import Store
from paperfeed.store.base import Vectors, VectorSearch, VectorStore

_CACHE_SIZE = 4  # (store, model) pairs kept per process
TAIL_ROWS = 50_000  # rows beyond the graph scored exactly (more: the graph is rebuilt)
SKETCH_MIN = 20_000  # rows from which an exact search takes its candidates from int8 copies
SKETCH_OVERSAMPLE = 4  # candidates per wanted neighbour, rescored from the float16 rows
GRAPH_LAG = 20_000  # the index step rewrites the graph file once it lacks more rows than this
RETRY_SECONDS = 600.0  # a graph build that failed is not tried again sooner (searches go exact)

log = logging.getLogger(__name__)
_cache: OrderedDict[tuple[str, str], VectorSearch] = OrderedDict()
_cache_lock = threading.Lock()


class VectorIndex:
    """Nearest neighbours over one model's vectors."""

    def __init__(self, model: str, *, ann_threshold: int = ANN_THRESHOLD,
                 cache_dir: Path | None = None, source: str = "",
                 sketch_min: int = SKETCH_MIN) -> None:
        self.model = model
        self._ids: list[str] = []  # row -> paper id (a replaced vector leaves a stale row)
        self._pos: dict[str, int] = {}  # paper id -> its current row
        self._stale: set[int] = set()
        self._ann_threshold = ann_threshold
        self.ann = Ann(cache_dir or default_cache_dir() / "ann", f"{source}|{model}")
        self._matrix = HalfMatrix(sketch_rows=ann_threshold)  # above it the graph serves
        self._sketch_min = sketch_min
        self._seq = 0
        self._lock = threading.Lock()
        self._ann_lock = threading.Lock()  # the graph: searched, swapped
        self._ann_busy = False  # a background thread is building a graph
        self._ann_failed_at = -RETRY_SECONDS  # when a background build last failed (monotonic)

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def dim(self) -> int:
        return self._matrix.dim

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
        n = len(self._ids)
        self._matrix.append(block)
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
            return self._top(self._matrix.dots_of(query, rows), rows, k)
        n = len(self._ids)
        if len(self._pos) > self._ann_threshold and self._graph_ready(n):
            return self._approximate(query, k, n)
        if n >= self._sketch_min and len(self._stale) <= k:
            best = self._matrix.best(query, SKETCH_OVERSAMPLE * k + len(self._stale))
            if best is not None:
                if self._stale:
                    best = best[[int(r) not in self._stale for r in best]]
                return self._top(self._matrix.dots_of(query, best), best, k)
        scores = self._matrix.dots(query, 0, n)
        if self._stale:
            scores[np.fromiter(self._stale, dtype=np.int64)] = -np.inf
        return self._top(scores, None, k)

    def _approximate(self, query: Vectors, k: int, n: int) -> list[tuple[str, float]]:
        """Candidates from the graph and the best rows beyond it (stale rows dropped),
        rescored by the matrix."""
        fetch = ANN_OVERSAMPLE * k + min(len(self._stale), k)
        with self._ann_lock:
            covered = min(self.ann.rows, n)
            rows = self.ann.candidates(query, min(covered, fetch))
        if covered < n:
            tail = self._matrix.dots(query, covered, n)
            best = np.argpartition(-tail, fetch - 1)[:fetch] if fetch < len(tail) else \
                np.arange(len(tail))
            rows = np.concatenate([rows, best.astype(np.int64) + covered])
        if self._stale:
            rows = rows[[int(r) not in self._stale for r in rows]]
        return self._top(self._matrix.dots_of(query, rows), rows, k)

    def warm(self) -> None:
        """Make the graph cover every row now (when above the threshold): view the newest
        file that fits, else build, save and view one."""
        if len(self._pos) <= self._ann_threshold:
            return
        with self._ann_lock:
            n = len(self._ids)
            self.ann.view(self._ids, n)
            if self.ann.rows < n:
                self.ann.build(self._matrix, self._ids, n)

    def _graph_ready(self, n: int) -> bool:
        """Whether the graph (with at most TAIL_ROWS rows beyond it) can answer; when there
        is none, or it lags far behind, one is built in a background thread and searches
        are answered exactly (or by the old graph) meanwhile."""
        with self._ann_lock:
            if not self._ann_busy and self.ann.due(n):
                self.ann.view(self._ids, n)
            usable = self.ann.graph is not None and n - self.ann.rows <= TAIL_ROWS
            if self._ann_busy or usable:
                return usable
            if time.monotonic() - self._ann_failed_at < RETRY_SECONDS:
                return False  # the last build failed just now: exact until it is due again
            self._ann_busy = True
        threading.Thread(target=self._build_in_background, args=(n,),
                         name=f"ann-{self.model}", daemon=True).start()
        return False

    def _build_in_background(self, n: int) -> None:
        try:
            fresh = self.ann.sibling()
            fresh.build(self._matrix, self._ids, n)
            with self._ann_lock:
                self.ann = fresh
        except Exception:  # a thread's error would vanish; searches stay exact meanwhile
            log.exception("building the %s vector graph failed; retrying in %.0f s",
                          self.model, RETRY_SECONDS)
            with self._ann_lock:
                self._ann_failed_at = time.monotonic()
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
        return dict(zip(known, self._matrix.dots_of(query, rows).tolist(), strict=True))

    def vector(self, paper_id: str) -> Vectors | None:
        """The stored vector of a paper (float32, rounded to float16), if it has one."""
        row = self._pos.get(paper_id)
        return None if row is None else self._matrix.row(row)

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], Vectors]:
        """The ids among ids that have a vector, in the order given, and their vectors."""
        known = [i for i in ids if i in self._pos]
        rows = np.fromiter((self._pos[i] for i in known), dtype=np.int64, count=len(known))
        return known, self._matrix.take(rows).astype(np.float32)


def save_graph(store: Store, model: str, *, lag: int = GRAPH_LAG,
               ann_threshold: int | None = None, cache_dir: Path | None = None) -> int:
    """The index step's part: when model has more vectors than ann_threshold (default
    ANN_THRESHOLD) and there is no saved graph or the newest lacks more than lag of them,
    load them, extend that graph and save it, so web workers view the file instead of each
    building a graph of their own. Rows the newest file holds afterwards (0: none needed)."""
    if store.vector_index(model) is not None:
        return 0  # the database searches its own vectors (PostgreSQL)
    ann_threshold = ANN_THRESHOLD if ann_threshold is None else ann_threshold
    count = store.embedding_counts().get(model, 0)
    if count <= ann_threshold:
        return 0
    index = VectorIndex(model, ann_threshold=ann_threshold, cache_dir=cache_dir,
                        source=store.url)
    newest = index.ann.newest_rows()
    if not newest or count - newest > lag:
        index.refresh(store)
        index.warm()
    return index.ann.newest_rows()


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
