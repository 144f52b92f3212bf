"""The vector index on PostgreSQL: pgvector answers in the database, nothing is held in memory.

A VectorIndex whose lookups are queries (HNSW for plain nearest neighbours, exact among a
given set of papers), so several web and worker processes share one index and none of them
loads every vector. index_for() hands it out for PostgreSQL stores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from paperfeed.index.vectors import VectorIndex
from paperfeed.store import Store
from paperfeed.store.base import Vectors
from paperfeed.store.postgres import PostgresStore

COUNT_TTL = 30.0  # seconds a vector count is trusted (len() is asked on every search)


class PgVectorIndex(VectorIndex):
    """One model's vectors in a PostgresStore."""

    def __init__(self, store: PostgresStore, model: str) -> None:
        super().__init__(model)
        self.store = store
        self._dim: int | None = None
        self._count, self._counted_at = 0, float("-inf")
        self._pg_lock = threading.Lock()

    def refresh(self, store: Store) -> int:
        """Nothing to load; re-count now and then (the vectors live in the database)."""
        if isinstance(store, PostgresStore):
            self.store = store  # the caller's store: the one that is open now
        with self._pg_lock:
            if time.monotonic() - self._counted_at > COUNT_TTL or not self._count:
                self._count = self.store.embedding_counts().get(self.model, 0)
                self._counted_at = time.monotonic()
                if self._dim is None:
                    self._dim = self.store.embedding_dim(self.model)
        return 0

    def __len__(self) -> int:
        return self._count

    @property
    def dim(self) -> int:
        return self._dim or 0

    def search(self, query: Vectors, k: int,
               among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        if k <= 0 or not self._dim:
            return []
        return self.store.nearest_embeddings(self.model, self._dim, query, k, among)

    def scores(self, query: Vectors, ids: Sequence[str]) -> dict[str, float]:
        return self.store.embedding_scores(self.model, query, ids) if ids else {}

    def vector(self, paper_id: str) -> Vectors | None:
        return self.store.get_embeddings(self.model, [paper_id]).get(paper_id)


def native_index(store: Store, model: str) -> VectorIndex | None:
    """A database-side index when the store has one (PostgreSQL), else None."""
    return PgVectorIndex(store, model) if isinstance(store, PostgresStore) else None
