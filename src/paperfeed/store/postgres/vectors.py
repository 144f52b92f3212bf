"""PostgreSQL's vectors: pgvector storage, and nearest neighbours through a per-model HNSW index.

One `vector` column holds every model's vectors; each model gets a
partial expression index `USING hnsw ((vector::vector(dim)) vector_cosine_ops) WHERE model =
'...'`, built once its vectors are in (building is ~25x faster than growing the index one
insert at a time). Queries name the model and dimension as literals so the planner can match
that partial index; restricted searches order by an expression the index does not cover, so
they are exact over the allowed papers.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from psycopg import sql

from paperfeed.store.postgres.connection import (
    EF_SEARCH,
    EMBED_LOCK,
    Conn,
    PgConnection,
    as_array,
    scalar,
)
from paperfeed.store.roles import VectorStore
from paperfeed.store.shapes import Vectors, VectorSearch
from paperfeed.store.sql.base import now
from paperfeed.store.sql.embeddings import Embeddings

COUNT_TTL = 30.0  # seconds a vector count is trusted (len() is asked on every search)
BUILD_MEMORY = "512MB"  # least maintenance_work_mem for an index build (the graph should fit)


def index_name(model: str, dim: int) -> str:
    """The HNSW index of one model (a short hash: any model name makes a valid identifier)."""
    return "embeddings_hnsw_" + hashlib.blake2b(f"{model}/{dim}".encode(),
                                                digest_size=6).hexdigest()


def _typed(dim: int) -> sql.Composable:
    return sql.SQL("vector::vector({})").format(sql.Literal(int(dim)))


class PgVectors(Embeddings, PgConnection):
    """Vector storage and nearest neighbours of PostgresStore (bookkeeping: Embeddings)."""

    def put_embeddings(self, model: str, paper_ids: Sequence[str], vectors: Vectors) -> None:
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(paper_ids):
            raise ValueError(f"put_embeddings: {len(paper_ids)} ids but vectors of shape "
                             f"{matrix.shape}")
        last = {pid: i for i, pid in enumerate(paper_ids)}  # a repeated id: the last one wins
        with self.tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (EMBED_LOCK,))
            start = self._take_seqs(conn, model, len(paper_ids))
            _stage_vectors(conn, [(pid, matrix[i], start + i + 1) for pid, i in last.items()])
            conn.execute(
                "INSERT INTO embeddings (paper_id, model, dim, vector, created_at, seq) "
                "SELECT i.paper_id, %s, %s, i.vector, %s, i.seq FROM embeddings_in i "
                "JOIN papers p ON p.id = i.paper_id ON CONFLICT (paper_id, model) DO UPDATE "
                "SET dim = excluded.dim, vector = excluded.vector, "
                "created_at = excluded.created_at, seq = excluded.seq",
                (model, matrix.shape[1], now()))

    def embeddings_since(self, model: str, after: int = 0,
                         limit: int = 50_000) -> tuple[list[str], Vectors, int]:
        with self.autocommit() as conn:
            rows = conn.execute("SELECT paper_id, vector, seq FROM embeddings WHERE model = %s "
                                "AND seq > %s ORDER BY seq LIMIT %s",
                                (model, after, limit), binary=True).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32), after
        matrix = np.stack([as_array(r["vector"]) for r in rows])
        return [str(r["paper_id"]) for r in rows], matrix, int(rows[-1]["seq"])

    def get_embeddings(self, model: str, paper_ids: Sequence[str]) -> dict[str, Vectors]:
        with self.autocommit() as conn:
            rows = conn.execute("SELECT paper_id, vector FROM embeddings WHERE model = %s "
                                "AND paper_id = ANY(%s)",
                                (model, list(dict.fromkeys(paper_ids))),
                                binary=True).fetchall()
        return {str(r["paper_id"]): as_array(r["vector"]) for r in rows}

    # -- nearest neighbours (PgVectorIndex below uses them) --------------------------------

    def vector_index(self, model: str) -> VectorSearch | None:
        return PgVectorIndex(self, model)

    def embedding_dim(self, model: str) -> int | None:
        """The dimension of model's vectors (None: it has none)."""
        with self.autocommit() as conn:
            dim = scalar(conn, "SELECT dim FROM embeddings WHERE model = %s LIMIT 1", (model,))
        return None if dim is None else int(dim)

    def build_vector_index(self, model: str) -> bool:
        """Build model's HNSW index if it has none; True when one was built now."""
        dim = self.embedding_dim(model)
        if dim is None:
            return False
        name = index_name(model, dim)
        with self.tx() as conn:
            if scalar(conn, "SELECT to_regclass(%s)", (name,)) is not None:
                return False
            if scalar(conn, "SELECT pg_size_bytes(current_setting('maintenance_work_mem')) "
                      "< pg_size_bytes(%s)", (BUILD_MEMORY,)):  # raise it, never lower it
                conn.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(
                    sql.Literal(BUILD_MEMORY)))
            conn.execute(sql.SQL(
                "CREATE INDEX IF NOT EXISTS {} ON embeddings USING hnsw (({}) "
                "vector_cosine_ops) WHERE model = {} AND dim = {}").format(
                sql.Identifier(name), _typed(dim), sql.Literal(model), sql.Literal(dim)))
        return True

    def nearest_embeddings(self, model: str, dim: int, query: Vectors, k: int,
                           among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The k papers whose vectors are most similar (cosine) to query, best first;
        approximate through the HNSW index, or exact among the given ids."""
        q = np.ascontiguousarray(query, dtype=np.float32)
        if among is not None:
            return self._exact(model, q, k, among)
        order = sql.SQL("{} <=> %s::vector({})").format(_typed(dim), sql.Literal(int(dim)))
        query_sql = sql.SQL("SELECT paper_id, 1 - ({order}) AS score FROM embeddings WHERE "
                            "model = {model} AND dim = {dim} ORDER BY {order} LIMIT %s").format(
            order=order, model=sql.Literal(model), dim=sql.Literal(int(dim)))
        with self.tx() if k > EF_SEARCH else self.autocommit() as conn:
            if k > EF_SEARCH:  # the candidate list must hold k (pgvector returns at most it)
                conn.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(
                    sql.Literal(min(k, 1000))))
            rows = conn.execute(query_sql, (q, q, k)).fetchall()
        return [(str(r["paper_id"]), float(r["score"])) for r in rows]

    def _exact(self, model: str, q: Any, k: int,
               among: Sequence[str]) -> list[tuple[str, float]]:
        with self.autocommit() as conn:
            rows = conn.execute(
                "SELECT paper_id, 1 - (vector <=> %s) AS score FROM embeddings WHERE model = %s "
                "AND paper_id = ANY(%s) ORDER BY vector <=> %s, paper_id LIMIT %s",
                (q, model, list(dict.fromkeys(among)), q, k)).fetchall()
        return [(str(r["paper_id"]), float(r["score"])) for r in rows]

    def embedding_scores(self, model: str, query: Vectors,
                         paper_ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of query to each stored vector among paper_ids."""
        q = np.ascontiguousarray(query, dtype=np.float32)
        with self.autocommit() as conn:
            rows = conn.execute("SELECT paper_id, 1 - (vector <=> %s) AS score FROM embeddings "
                                "WHERE model = %s AND paper_id = ANY(%s)",
                                (q, model, list(dict.fromkeys(paper_ids)))).fetchall()
        return {str(r["paper_id"]): float(r["score"]) for r in rows}


def _stage_vectors(conn: Conn, rows: list[tuple[str, Any, int]]) -> None:
    """COPY (paper id, vector, seq) rows in binary into a temp table for one insert."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS embeddings_in (paper_id TEXT, vector vector, "
                 "seq BIGINT) ON COMMIT DELETE ROWS")
    with conn.cursor() as cur, cur.copy(
            "COPY embeddings_in (paper_id, vector, seq) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "vector", "int8"])
        for row in rows:
            copy.write_row(row)


class PgVectorIndex:
    """One model's vectors searched by PostgreSQL (HNSW for plain nearest neighbours, exact
    among a given set of papers): several web and worker processes share one index and
    none of them loads every vector."""

    def __init__(self, store: PgVectors, model: str) -> None:
        self.model = model
        self.store = store
        self._dim: int | None = None
        self._count, self._counted_at = 0, float("-inf")
        self._lock = threading.Lock()

    def refresh(self, store: VectorStore) -> int:
        """Nothing to load; re-count now and then (the vectors live in the database)."""
        if isinstance(store, PgVectors):
            self.store = store  # the caller's store: the one that is open now
        with self._lock:
            if time.monotonic() - self._counted_at > COUNT_TTL or not self._count:
                self._count = self.store.embedding_counts().get(self.model, 0)
                self._counted_at = time.monotonic()
                if self._dim is None:
                    self._dim = self.store.embedding_dim(self.model)
        return 0

    def warm(self) -> None:
        """Nothing to prepare: the HNSW index is built by build_vector_index."""

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

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], Vectors]:
        found = self.store.get_embeddings(self.model, ids)
        known = [i for i in ids if i in found]
        if not known:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        return known, np.stack([found[i] for i in known]).astype(np.float32, copy=False)
