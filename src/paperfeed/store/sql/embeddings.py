"""Which papers still need a vector, and how many vectors each model has; written once.

How vectors are stored and searched differs (a float32 blob searched in process on SQLite,
pgvector with HNSW on PostgreSQL): see each backend's vectors.py.
"""

from __future__ import annotations

from paperfeed.store.sql.base import SqlBase


class Embeddings(SqlBase):
    """The bookkeeping half of the vector role."""

    def pending_embeddings(self, model: str, *, limit: int,
                           after: str | None = None) -> list[tuple[str, str, str]]:
        with self.reading() as conn:
            rows = self.run(
                conn, "SELECT p.id, p.title, p.abstract FROM papers p WHERE p.id > ? AND NOT "
                "EXISTS (SELECT 1 FROM embeddings e WHERE e.paper_id = p.id AND e.model = ?) "
                "ORDER BY p.id LIMIT ?", (after or "", model, limit)).fetchall()
        return [(str(r["id"]), str(r["title"]), str(r["abstract"])) for r in rows]

    def count_pending_embeddings(self, model: str) -> int:
        with self.reading() as conn:
            pending = self.value(conn, "SELECT (SELECT count(*) FROM papers) - (SELECT count(*) "
                                 "FROM embeddings WHERE model = ?)", (model,))
        return max(0, int(pending))

    def embedding_counts(self) -> dict[str, int]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT model, count(*) AS n FROM embeddings "
                            "GROUP BY model").fetchall()
        return {str(r["model"]): int(r["n"]) for r in rows}
