"""Which papers still need a vector, and how many vectors each model has; written once.

How vectors are stored and searched differs (a float32 blob searched in process on SQLite,
pgvector with HNSW on PostgreSQL): see each backend's vectors.py.
"""

from __future__ import annotations

from typing import Any

from paperfeed.store.shapes import Pending, PendingCursor
from paperfeed.store.sql.base import SqlBase, now


class Embeddings(SqlBase):
    """The bookkeeping half of the vector role."""

    def _take_seqs(self, conn: Any, model: str, n: int) -> int:
        """Reserve n vector numbers of model (inside the caller's write); the last number
        before them. Numbers never come back: a process that loaded up to some number must
        see every vector stored after it, also when the newest vectors were deleted (a
        paper's text changed) and stored again."""
        key = f"embeddings_seq:{model}"
        start = max(int(self.value(conn, "SELECT coalesce(max(seq), 0) FROM embeddings "
                                         "WHERE model = ?", (model,))),
                    int(self.value(conn, "SELECT coalesce(max(value), '0') FROM ingest_state "
                                         "WHERE key = ?", (key,))))
        self.run(conn, "INSERT INTO ingest_state VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                 "SET value = excluded.value, updated_at = excluded.updated_at",
                 (key, str(start + n), now()))
        return start

    def pending_embeddings(self, model: str, *, limit: int,
                           after: PendingCursor | None = None) -> list[Pending]:
        """Newest listing day first (then the undated papers), so a long backlog never keeps
        today's papers out of semantic search; `after` is the previous batch's last cursor."""
        day, last = (after.day, after.id) if after is not None else ("", "")
        missing = "NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.paper_id = p.id AND e.model = ?)"
        rows: list[Any] = []
        with self.reading() as conn:
            if day is not None:  # the dated papers, along the papers_day index
                # (day <= ? first: a range of the index that starts at the cursor, where an
                # OR alone had each batch scan from the newest day, seconds at millions)
                where = "p.day <= ? AND (p.day < ? OR p.id < ?)" if day else "p.day IS NOT NULL"
                rows = self.run(
                    conn, f"SELECT p.id, p.title, p.abstract, p.day FROM papers p WHERE {where} "
                    f"AND {missing} ORDER BY p.day DESC NULLS LAST, p.id DESC LIMIT ?",
                    ((day, day, last) if day else ()) + (model, limit)).fetchall()
                last = ""
            if len(rows) < limit:  # then the papers without a day, by id
                rows += self.run(
                    conn, f"SELECT p.id, p.title, p.abstract, p.day FROM papers p WHERE "
                    f"p.day IS NULL AND (? = '' OR p.id < ?) AND {missing} ORDER BY p.id DESC "
                    "LIMIT ?", (last, last, model, limit - len(rows))).fetchall()
        return [Pending(str(r["id"]), str(r["title"]), str(r["abstract"]),
                        None if r["day"] is None else str(r["day"])) for r in rows]

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
