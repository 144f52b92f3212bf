"""An approximate nearest-neighbour graph (usearch HNSW, cosine, int8) over a vector matrix.

Keys are the rows of VectorIndex's matrix. The graph lives in files under the cache
directory, `<prefix>-<rows>-<ids hash>.usearch`, where the prefix names the store and model
and the hash covers the paper ids of those rows in order. The index step (`paperfeed index`,
the worker) writes them; a web worker memory-maps the largest file whose rows are its own
(usearch's view: the pages belong to the OS's page cache, read on demand and shared by every
worker that views the same file), and scores the rows that arrived after it exactly. A
viewed graph cannot grow, so a process that finds no file, or one that lags far behind,
builds one in memory, saves it and views the saved file instead. Files are replaced by
renaming, never rewritten in place, so a view stays valid while a newer file takes its name.
The matrix rescores the candidates, so only recall is approximate.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperfeed.pids import alive
from paperfeed.store.base import Vectors

if TYPE_CHECKING:
    from usearch.index import Index

    from paperfeed.index.matrix import HalfMatrix

log = logging.getLogger(__name__)

ANN_THRESHOLD = 200_000  # vectors above which search uses the graph (exact numpy below)
CONNECTIVITY = 16  # HNSW edges per node
EXPANSION_ADD = 64  # candidates considered while inserting
EXPANSION_SEARCH = 1024  # candidates per query: recall@10 0.95 on real vectors (RESULTS.md)
ANN_OVERSAMPLE = 2  # candidates asked per wanted neighbour (int8 distances are coarse)
ADD_ROWS = 1 << 16  # rows handed to the graph at once (float32 copies of the matrix's rows)
LOOK_SECONDS = 10.0  # how often a process with rows beyond its graph looks for a newer file


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
        self.viewed = False  # the graph is a memory-mapped file (read only), not a copy
        self.looked = -float("inf")  # time.monotonic() of the last look for a newer file
        self._foreign: set[str] = set()  # files whose rows are not ours (not hashed again)

    def sibling(self) -> Ann:
        """A graph-less Ann over the same files (to build beside the one in use)."""
        out = Ann(self.cache_dir, "")
        out.prefix = self.prefix
        return out

    def due(self, n: int) -> bool:
        """Whether to look for a newer file: the graph lacks rows and the last look is old."""
        return n > self.rows and (self.graph is None or
                                  time.monotonic() - self.looked > LOOK_SECONDS)

    def view(self, ids: list[str], n: int) -> bool:
        """View the largest saved graph whose rows are ids[:rows] (rows <= n) when it holds
        more rows than the graph in hand; whether it did."""
        self.looked = time.monotonic()
        for rows, digest, path in self._files():
            if rows <= self.rows:
                return False
            if rows > n or path.name in self._foreign:
                continue
            if digest != _ids_digest(ids, rows):
                self._foreign.add(path.name)
                continue
            graph = self._restore(path, rows, view=True)
            if graph is not None:
                self.graph, self.rows, self.viewed = graph, rows, True
                return True
        return False

    def build(self, matrix: HalfMatrix, ids: list[str], n: int) -> None:
        """Make the graph hold rows 0..n-1: the largest saved graph of these rows copied into
        memory (else a new one) and extended, saved, then viewed from the saved file."""
        graph, rows = self._load(ids, n, matrix.dim)
        for start in range(rows, n, ADD_ROWS):
            stop = min(n, start + ADD_ROWS)
            graph.add(np.arange(start, stop, dtype=np.uint64), matrix.floats(start, stop),
                      threads=0)
        try:
            path = self._save(graph, ids, n)
        except OSError as exc:  # the graph still serves from memory
            log.warning("could not save the vector graph in %s: %s", self.cache_dir, exc)
            self.graph, self.rows, self.viewed = graph, n, False
            return
        del graph  # (frees the copy before the view maps the file)
        viewed = self._restore(path, n, view=True)
        if viewed is None:
            raise RuntimeError(f"the vector graph just saved in {path} cannot be read back")
        self.graph, self.rows, self.viewed = viewed, n, True

    def candidates(self, query: Vectors, k: int) -> np.ndarray:
        """Rows of up to k nearest neighbours of query (int64), nearest first."""
        if self.graph is None or k <= 0:
            return np.zeros(0, dtype=np.int64)
        found = self.graph.search(query, k)
        return np.asarray(found.keys, dtype=np.int64)

    def newest_rows(self) -> int:
        """Rows of the largest saved file (0: none), whoever's rows they are."""
        files = self._files()
        return files[0][0] if files else 0

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

    def _restore(self, path: Path, rows: int, *, view: bool) -> Index | None:
        """The saved graph in path (a read-only memory map when view), if it holds rows."""
        try:
            graph = _index_class().restore(str(path), view=view)
        except (RuntimeError, ValueError, OSError):
            return None
        if graph is None or len(graph) != rows:
            return None
        # (restore keeps usearch's defaults; the setters exist, mypy misses them)
        graph.expansion_add = EXPANSION_ADD  # type: ignore[misc]
        graph.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
        return graph

    def _load(self, ids: list[str], n: int, dim: int) -> tuple[Index, int]:
        """An in-memory copy of the largest saved graph whose rows are ours, else an empty
        one; and its rows."""
        for rows, digest, path in self._files():
            if rows > n or digest != _ids_digest(ids, rows):
                continue
            graph = self._restore(path, rows, view=False)
            if graph is not None and graph.ndim == dim:
                return graph, rows
        return self._new(dim), 0

    def _save(self, graph: Index, ids: list[str], rows: int) -> Path:
        """Write the graph under its name (by renaming a finished file, so a process viewing
        an older file keeps reading it) and remove the older files."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        _remove_orphans(self.cache_dir)
        name = f"{self.prefix}-{rows}-{_ids_digest(ids, rows)}.usearch"
        tmp = self.cache_dir / f".{name}.{os.getpid()}.tmp"
        graph.save(str(tmp))
        tmp.replace(self.cache_dir / name)
        for _, _, path in self._files():
            if path.name != name:
                path.unlink(missing_ok=True)
        return self.cache_dir / name


def _remove_orphans(cache_dir: Path) -> None:
    """Delete the half-written files of saves whose process is gone (killed mid-save): each
    is named after its writer's pid, and a live writer's file is left alone."""
    for path in cache_dir.glob(".*.tmp"):
        match = re.fullmatch(r"\..+\.(\d+)\.tmp", path.name)
        if match and not alive(int(match[1])):
            path.unlink(missing_ok=True)

