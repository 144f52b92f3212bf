"""An approximate nearest-neighbour graph (usearch HNSW, cosine, int8) over a vector matrix.

Keys are the rows of VectorIndex's matrix. Built on first use, then extended as rows
arrive; saved under the cache directory as `<prefix>-<rows>-<ids hash>.usearch`, where the
prefix names the store and model and the hash covers the paper ids of those rows in order,
so a restarted process reuses the largest saved graph whose rows match its own and adds
only the rest. The float32 matrix rescores the candidates, so scores are exact and only
recall is approximate.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperfeed.store.base import Vectors

if TYPE_CHECKING:
    from usearch.index import Index

log = logging.getLogger(__name__)

ANN_THRESHOLD = 200_000  # vectors above which search uses the graph (exact numpy below)
CONNECTIVITY = 16  # HNSW edges per node
EXPANSION_ADD = 64  # candidates considered while inserting
EXPANSION_SEARCH = 1024  # candidates per query: recall@10 0.95 on real vectors (RESULTS.md)
ANN_OVERSAMPLE = 2  # candidates asked per wanted neighbour (int8 distances are coarse)
RESAVE_SHARE = 0.1  # save again once this share of rows was added since the last save


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _index_class() -> type[Index]:
    """usearch's Index, imported on first use and after onnxruntime: importing usearch first
    makes the later onnxruntime import crash (usearch 2.26.6, onnxruntime 1.32.0)."""
    importlib.import_module("onnxruntime")
    import usearch.index

    return usearch.index.Index


def _ids_digest(ids: list[str], rows: int) -> str:
    return _digest("\n".join(ids[:rows]))


class Ann:
    """The graph of one (store, model) pair and its files in the cache directory."""

    def __init__(self, cache_dir: Path, name: str) -> None:
        self.cache_dir = cache_dir
        slug = re.sub(r"[^A-Za-z0-9_.]+", "_", name.rsplit("|", 1)[-1])[:40]
        self.prefix = f"{slug}-{_digest(name)}"
        self.graph: Index | None = None
        self.rows = 0  # rows 0..rows-1 are in the graph
        self.saved = 0  # rows in the newest file

    def cover(self, matrix: Vectors, ids: list[str], n: int) -> None:
        """Make the graph hold rows 0..n-1 of matrix: load, build or extend it."""
        if self.graph is None:
            self.graph = self._load(ids, n, int(matrix.shape[1]))
        if self.rows < n:
            self.graph.add(np.arange(self.rows, n, dtype=np.uint64), matrix[self.rows:n],
                           threads=0)
            self.rows = n
        if self.rows - self.saved > RESAVE_SHARE * max(self.rows, 1):
            try:
                self._save(ids)
            except OSError as exc:  # the graph still serves from memory
                log.warning("could not save the vector graph in %s: %s", self.cache_dir, exc)
                self.saved = self.rows

    def candidates(self, query: Vectors, k: int) -> np.ndarray:
        """Rows of up to k nearest neighbours of query (int64), nearest first."""
        if self.graph is None or k <= 0:
            return np.zeros(0, dtype=np.int64)
        found = self.graph.search(query, k)
        return np.asarray(found.keys, dtype=np.int64)

    def _new(self, dim: int) -> Index:
        return _index_class()(ndim=dim, metric="cos", dtype="i8", connectivity=CONNECTIVITY,
                     expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)

    def _files(self) -> list[tuple[int, str, Path]]:
        """Saved graphs of this prefix: (rows, ids hash, path), most rows first."""
        out = []
        for path in self.cache_dir.glob(f"{self.prefix}-*.usearch"):
            match = re.fullmatch(re.escape(self.prefix) + r"-(\d+)-([0-9a-f]+)\.usearch",
                                 path.name)
            if match:
                out.append((int(match[1]), match[2], path))
        return sorted(out, reverse=True)

    def _load(self, ids: list[str], n: int, dim: int) -> Index:
        """The largest saved graph whose rows are ours, else an empty one."""
        for rows, digest, path in self._files():
            if rows > n or digest != _ids_digest(ids, rows):
                continue
            try:
                graph = _index_class().restore(str(path), view=False)
            except (RuntimeError, ValueError, OSError):
                continue
            if graph is not None and graph.ndim == dim and len(graph) == rows:
                # (restore keeps usearch's defaults; the setters exist, mypy misses them)
                graph.expansion_add = EXPANSION_ADD  # type: ignore[misc]
                graph.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
                self.rows = self.saved = rows
                return graph
        self.rows = self.saved = 0
        return self._new(dim)

    def _save(self, ids: list[str]) -> None:
        if self.graph is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{self.rows}-{_ids_digest(ids, self.rows)}.usearch"
        tmp = self.cache_dir / f".{name}.{os.getpid()}.tmp"
        self.graph.save(str(tmp))
        tmp.replace(self.cache_dir / name)
        for _, _, path in self._files():
            if path.name != name:
                path.unlink(missing_ok=True)
        self.saved = self.rows
