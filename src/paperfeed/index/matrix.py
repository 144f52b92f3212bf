"""Unit vectors held as float16 rows in fixed-size blocks, scored with float32 sums.

Half precision halves the memory of the in-process vectors (what decides whether a web worker
of a big archive fits in a few GB); the rounding moves a cosine by about 1e-4, well below the
gaps that decide a ranking. Blocks never move once allocated, so the matrix grows without the
copy (and the brief double footprint) of a growing contiguous array. The dot products run in
numkong's SIMD kernels (usearch's own dependency), which read float16 and sum in float32:
numpy has no fast float16 arithmetic and converting rows to float32 first costs more than the
dot products themselves.

A matrix may also keep int8 copies of its rows while it is small (a sketch): numkong's int8
dot products run several times faster than its float16 ones, so a search over every row takes
its candidates, several times the rows wanted, from the sketch and rescores them from the
float16 rows. Rounding to int8 moves a cosine by far less than the gap between the rows
wanted and those ranked several times deeper.
"""

from __future__ import annotations

from collections.abc import Iterator

import numkong
import numpy as np

from paperfeed.store.base import Vectors

BLOCK_ROWS = 1 << 16  # rows per block: 32 MB at 256 dimensions


class HalfMatrix:
    """An append-only float16 matrix; rows are read back as float32. sketch_rows: int8
    copies are kept while the matrix has at most this many rows (then dropped)."""

    def __init__(self, sketch_rows: int = 0) -> None:
        self._blocks: list[np.ndarray] = []
        self._rows = 0
        self._dim = 0
        self._sketch: list[np.ndarray] = []  # int8 blocks beside the float16 ones
        self._sketch_rows = sketch_rows
        self._scale = 0.0  # int8 units per unit of a component

    def __len__(self) -> int:
        return self._rows

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self._blocks)

    def append(self, rows: Vectors) -> None:
        """Add rows (float32 or float16, shape (k, dim)) at the end."""
        if not len(rows):
            return
        if self._dim and rows.shape[1] != self._dim:
            raise ValueError(f"vectors of dimension {rows.shape[1]}, the index has {self._dim}")
        self._dim = int(rows.shape[1])
        if self._rows + len(rows) > self._sketch_rows:
            self._sketch, self._sketch_rows = [], 0  # too many rows to keep a sketch of
        elif (largest := float(np.abs(rows).max())) * self._scale > 127.0 or not self._scale:
            self._rescale(largest)
        done = 0
        while done < len(rows):
            block, offset = divmod(self._rows, BLOCK_ROWS)
            if block == len(self._blocks):
                self._blocks.append(np.empty((BLOCK_ROWS, self._dim), dtype=np.float16))
                if self._sketch_rows:
                    self._sketch.append(np.empty((BLOCK_ROWS, self._dim), dtype=np.int8))
            take = min(len(rows) - done, BLOCK_ROWS - offset)
            self._blocks[block][offset:offset + take] = rows[done:done + take]
            if self._sketch_rows:
                self._sketch[block][offset:offset + take] = self._bytes(rows[done:done + take])
            done += take
            self._rows += take

    def _rescale(self, largest: float) -> None:
        """int8 units that hold a component as large as largest, the rows so far rounded
        again to them (rare: the first rows set the range, and unit vectors' components
        keep to it)."""
        self._scale = 127.0 / max(largest, 1e-6)
        for block, span in enumerate(self._spans(0, self._rows)):
            self._sketch[block][:len(span)] = self._bytes(span)

    def _bytes(self, rows: Vectors) -> np.ndarray:
        """rows rounded to the sketch's int8 units (a component beyond its range clipped)."""
        out: np.ndarray = np.clip(np.rint(np.asarray(rows, dtype=np.float32) * self._scale),
                                  -127, 127).astype(np.int8)
        return out

    def best(self, query: Vectors, fetch: int) -> np.ndarray | None:
        """The rows of the fetch best int8 dot products with query (1-d), in no order; None
        without a sketch (the float16 rows must be scored). Reads the sketch as it was
        when called: a refresh may drop it or add rows meanwhile."""
        rows = self._rows  # first: every row counted has its int8 copy in the list read next
        sketch = self._sketch
        if not sketch or not rows:
            return None
        q = self._bytes(np.asarray(query).reshape(1, -1))
        scores = np.concatenate([
            np.asarray(numkong.cdist(np.ascontiguousarray(span), q, metric="dot"),
                       dtype=np.int32).reshape(-1)
            for span in _spans(sketch, 0, rows)])
        if fetch >= len(scores):
            return np.arange(len(scores), dtype=np.int64)
        return np.argpartition(-scores, fetch - 1)[:fetch].astype(np.int64)

    def _spans(self, start: int, stop: int) -> Iterator[np.ndarray]:
        """Views of rows start..stop-1, block by block."""
        return _spans(self._blocks, start, stop)

    def dots(self, query: Vectors, start: int = 0, stop: int | None = None) -> Vectors:
        """query (1-d) against rows start..stop-1: float32 scores."""
        stop = self._rows if stop is None else stop
        if stop <= start:
            return np.zeros(0, dtype=np.float32)
        q = _half(query)
        return np.concatenate([_dot(span, q) for span in self._spans(start, stop)])

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The given rows (float16), in the order given."""
        out = np.empty((len(rows), self._dim), dtype=np.float16)
        if not len(rows):
            return out
        blocks, offsets = np.divmod(np.asarray(rows, dtype=np.int64), BLOCK_ROWS)
        for block in np.unique(blocks):
            mask = blocks == block
            out[mask] = self._blocks[int(block)][offsets[mask]]
        return out

    def dots_of(self, query: Vectors, rows: np.ndarray) -> Vectors:
        """query against the given rows: float32 scores in that order."""
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        return _dot(self.take(rows), _half(query))

    def floats(self, start: int, stop: int) -> Vectors:
        """Rows start..stop-1 as float32 (what the graph index is built from)."""
        out = np.empty((max(stop - start, 0), self._dim), dtype=np.float32)
        at = 0
        for span in self._spans(start, stop):
            out[at:at + len(span)] = span
            at += len(span)
        return out

    def row(self, row: int) -> Vectors:
        block, offset = divmod(row, BLOCK_ROWS)
        out: Vectors = self._blocks[block][offset].astype(np.float32)
        return out


def _spans(blocks: list[np.ndarray], start: int, stop: int) -> Iterator[np.ndarray]:
    """Views of rows start..stop-1 of blocks of BLOCK_ROWS rows, block by block."""
    while start < stop:
        block, offset = divmod(start, BLOCK_ROWS)
        take = min(stop - start, BLOCK_ROWS - offset)
        yield blocks[block][offset:offset + take]
        start += take


def _half(query: Vectors) -> np.ndarray:
    return np.ascontiguousarray(query, dtype=np.float16).reshape(1, -1)


def _dot(rows: np.ndarray, query: np.ndarray) -> Vectors:
    """Dot products of float16 rows with one float16 query, summed in float32."""
    rows = np.ascontiguousarray(rows)
    out: Vectors = np.asarray(numkong.cdist(rows, query, metric="dot", out_dtype="float32"),
                              dtype=np.float32).reshape(-1)
    return out
