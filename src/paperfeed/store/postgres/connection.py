"""PostgreSQL connections: a psycopg 3 pool, transactions, migrations, the data version."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from paperfeed.errors import StoreError
from paperfeed.store.sql.base import Connection, SqlBase, now
from paperfeed.store.sql.dialect import POSTGRES
from paperfeed.store.sql.migrations import load_migrations

Conn = psycopg.Connection[dict[str, Any]]

# Advisory lock keys (pg_advisory_xact_lock): writers that must not interleave take one.
MIGRATE_LOCK = 0x7061_7065_0001
UPSERT_LOCK = 0x7061_7065_0002  # papers (so the insertion order `seq` is also commit order)
VOCAB_LOCK = 0x7061_7065_0003
EMBED_LOCK = 0x7061_7065_0004
EF_SEARCH = 100  # HNSW candidate list per lookup (pgvector's default is 40); raised for larger k
CONNECT_TIMEOUT = 10  # seconds to wait for a connection before reporting the server unusable
def redact(url: str) -> str:
    """The connection target without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable database_url>"
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Per new pooled connection: numpy arrays <-> pgvector, once the extension exists."""
    from pgvector.psycopg import register_vector

    try:
        register_vector(conn)
    except psycopg.ProgrammingError:  # schema not migrated yet: no vector type to adapt
        conn.rollback()
    else:
        conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")  # candidates per HNSW lookup
        conn.commit()


class PgConnection(SqlBase):
    """Connections (a lazily opened pool), transactions and migrations."""

    dialect = POSTGRES
    integrity_error = psycopg.IntegrityError
    database_error = psycopg.Error

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self._pool: ConnectionPool[Conn] | None = None
        self._lock = threading.Lock()
        with self._direct():  # fail now, not at the first request, if the server is unusable
            pass

    @contextmanager
    def _direct(self) -> Iterator[Conn]:
        """A connection outside the pool (migrations), committed on success."""
        try:
            conn = psycopg.connect(self.url, row_factory=dict_row,
                                   connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {redact(self.url)}: "
                             f"{str(exc).strip()}") from None
        with conn:
            yield conn

    def pool(self) -> ConnectionPool[Conn]:
        """This process's pool, opened on first use (so after any migration has run)."""
        with self._lock:
            if self._pool is None:
                pool: ConnectionPool[Conn] = ConnectionPool(
                    self.url, min_size=1, max_size=self.pool_size, open=False,
                    kwargs={"row_factory": dict_row, "autocommit": True},
                    configure=_configure, timeout=60.0, name="paperfeed")
                try:
                    pool.open(wait=True, timeout=CONNECT_TIMEOUT)
                except PoolTimeout:
                    pool.close()
                    raise StoreError(f"cannot connect to PostgreSQL at {redact(self.url)}: no "
                                     f"connection within {CONNECT_TIMEOUT} s") from None
                self._pool = pool
            return self._pool

    @contextmanager
    def tx(self) -> Iterator[Conn]:
        """One transaction on a pooled connection: committed whole or rolled back whole."""
        with self.pool().connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def autocommit(self) -> Iterator[Conn]:
        """A pooled connection where each statement is its own transaction: for reads and
        single-statement writes (no BEGIN/COMMIT round trips)."""
        with self.pool().connection() as conn:
            yield conn

    def reading(self) -> AbstractContextManager[Conn]:
        return self.autocommit()

    def writing(self) -> AbstractContextManager[Conn]:
        return self.tx()

    def writing_one(self) -> AbstractContextManager[Conn]:
        return self.autocommit()

    def data_changed(self) -> None:
        self.bump_data_version()

    def table_columns(self, conn: Connection, table: str) -> list[str]:
        rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                            "table_schema = current_schema() AND table_name = %s "
                            "ORDER BY ordinal_position", (table,)).fetchall()
        return [str(r["column_name"]) for r in rows]

    def data_version(self) -> str:
        # A sequence is not transactional: writers bump it after they commit, so a reader
        # never caches old data under a new version.
        with self.autocommit() as conn:
            return str(scalar(conn, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                                    "FROM data_version"))

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def migrate(self) -> list[str]:
        applied: list[str] = []
        with self._direct() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                         "PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            done = {r["version"] for r in conn.execute("SELECT version FROM schema_migrations")}
            for migration in load_migrations("postgres"):
                if migration.version in done:
                    continue
                conn.execute("\n".join(migration.statements))  # one script: $$ bodies stay whole
                conn.execute("INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                             (migration.version, migration.name, now()))
                applied.append(migration.name)
        if applied:
            self.close()  # pooled connections predate the new types; reopen on next use
        return applied

    def bump_data_version(self) -> None:
        """After a commit that changed papers or votes: page caches everywhere go stale."""
        with self.autocommit() as conn:
            conn.execute("SELECT nextval('data_version')")


def as_array(value: Any) -> npt.NDArray[np.float32]:
    """A pgvector value (pgvector.Vector, or an array already) as a float32 numpy array."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)


def scalar(conn: Conn, query: str, args: Sequence[object] = ()) -> Any:
    """The first column of the first row (None when there is no row)."""
    row = conn.execute(query, args).fetchone()
    return next(iter(row.values())) if row else None


def copy_rows(conn: Conn, table: str, columns: Sequence[str],
              rows: Sequence[Sequence[object]]) -> None:
    """Bulk-load rows with COPY (far faster than INSERTs for large batches)."""
    if not rows:
        return
    with conn.cursor() as cur, cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
