"""SQLite connections: one per thread on one file (stdlib sqlite3, WAL), BEGIN IMMEDIATE writes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from paperfeed.errors import StoreError
from paperfeed.store.sql.base import Connection, SqlBase, now
from paperfeed.store.sql.dialect import SQLITE
from paperfeed.store.sql.migrations import load_migrations


def sqlite_path(url: str) -> Path:
    """sqlite:///relative.db -> relative.db; sqlite:////abs/file.db -> /abs/file.db."""
    raw = url.removeprefix("sqlite:///")
    if not raw or raw == ":memory:":
        raise StoreError(f"database_url: {url!r} names no file; use sqlite:///PATH/TO/FILE.db")
    return Path(raw)


class SqliteConnection(SqlBase):
    """One SQLite file; each thread gets its own connection."""

    dialect = SQLITE
    integrity_error = sqlite3.IntegrityError
    database_error = sqlite3.DatabaseError

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        if not self.path.parent.is_dir():
            raise StoreError(f"database_url: directory {self.path.parent} does not exist; "
                             "create it or point PAPERFEED_DATABASE_URL elsewhere")
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.conn()  # fail now, not at the first request, if the file is unusable

    # -- connections and transactions -------------------------------------------------

    def conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open SQLite database {self.path}: {exc}") from None
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): committed whole or rolled back whole."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def reading(self) -> nullcontext[sqlite3.Connection]:
        return nullcontext(self.conn())

    def writing(self) -> Any:
        return self.write()

    def writing_one(self) -> Any:
        return self.write()

    def data_changed(self) -> None:
        """Nothing to do: PRAGMA data_version moves by itself (see data_version)."""

    def table_columns(self, conn: Connection, table: str) -> list[str]:
        return [str(r["name"]) for r in conn.execute(f"PRAGMA table_info({table})")]

    def data_version(self) -> str:
        # PRAGMA data_version changes whenever another connection commits; this connection
        # only ever reads it, so every commit by anyone (other threads, processes) counts.
        with self._lock:
            conn: sqlite3.Connection | None = getattr(self, "_version_conn", None)
            if conn is None or conn not in self._all:  # first use, or reopened after close()
                conn = self._version_conn = self._connect()
                self._all.append(conn)
            return str(conn.execute("PRAGMA data_version").fetchone()[0])

    # -- schema -----------------------------------------------------------------------

    def migrate(self) -> list[str]:
        applied: list[str] = []
        with self.write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                         "PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            for migration in load_migrations("sqlite"):
                if migration.version in done:
                    continue
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                             (migration.version, migration.name, now()))
                applied.append(migration.name)
            self.after_migrate(conn)
        return applied

    def after_migrate(self, conn: sqlite3.Connection) -> None:
        """Work each opening does once the schema is current (papers.py indexes a backlog)."""
