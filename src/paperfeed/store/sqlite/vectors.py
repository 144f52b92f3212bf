"""SQLite's vectors: float32 blobs numbered per model; searched in process (index/vectors.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from paperfeed.store.shapes import Vectors, VectorSearch
from paperfeed.store.sql.dialect import SQLITE
from paperfeed.store.sql.embeddings import Embeddings
from paperfeed.store.sqlite.connection import SqliteConnection


class SqliteVectors(Embeddings, SqliteConnection):
    """Vector storage of SqliteStore; the nearest-neighbour search runs in the process."""

    def put_embeddings(self, model: str, paper_ids: Sequence[str], vectors: Vectors) -> None:
        matrix = np.ascontiguousarray(vectors, dtype="<f4")
        if matrix.ndim != 2 or matrix.shape[0] != len(paper_ids):
            raise ValueError(f"put_embeddings: {len(paper_ids)} ids but vectors of shape "
                             f"{matrix.shape}")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.write() as conn:
            start = self._take_seqs(conn, model, len(paper_ids))
            conn.executemany(
                "INSERT INTO embeddings (paper_id, model, dim, vector, created_at, seq) "
                "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM papers WHERE id = ?) "
                "ON CONFLICT(paper_id, model) DO UPDATE SET dim = excluded.dim, "
                "vector = excluded.vector, created_at = excluded.created_at, seq = excluded.seq",
                [(pid, model, matrix.shape[1], matrix[i].tobytes(), now, start + i + 1, pid)
                 for i, pid in enumerate(paper_ids)])

    def embeddings_since(self, model: str, after: int = 0,
                         limit: int = 50_000) -> tuple[list[str], Vectors, int]:
        rows = self.conn().execute(
            "SELECT paper_id, dim, vector, seq FROM embeddings WHERE model = ? AND seq > ? "
            "ORDER BY seq LIMIT ?", (model, after, limit)).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32), after
        dim = int(rows[0][1])
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), dim)
        return [str(r[0]) for r in rows], matrix.astype(np.float32), int(rows[-1][3])

    def get_embeddings(self, model: str, paper_ids: Sequence[str]) -> dict[str, Vectors]:
        out: dict[str, Vectors] = {}
        for chunk in SQLITE.chunks(paper_ids):
            rows = self.conn().execute(
                f"SELECT paper_id, vector FROM embeddings WHERE model = ? AND paper_id IN "
                f"({', '.join('?' * len(chunk))})", [model, *chunk])
            out.update((str(pid), np.frombuffer(blob, dtype="<f4").astype(np.float32))
                       for pid, blob in rows)
        return out

    def build_vector_index(self, model: str) -> bool:
        return False  # no index in the database: vectors are searched in the process

    def vector_index(self, model: str) -> VectorSearch | None:
        return None  # index/vectors.py loads the vectors and searches them in the process
