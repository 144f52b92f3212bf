"""The embedded default store: one SQLite file (stdlib sqlite3, WAL, FTS5), one writer at a time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from paperfeed.errors import StoreError
from paperfeed.models import Paper, UpsertResult, Version
from paperfeed.store.migrations import load_migrations
from paperfeed.store.records import COLUMNS, merge_papers, paper_to_row, row_to_paper

_CHUNK = 500  # ids per IN (...) lookup; well below SQLite's variable limit


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sqlite_path(url: str) -> Path:
    """sqlite:///relative.db -> relative.db; sqlite:////abs/file.db -> /abs/file.db."""
    raw = url.removeprefix("sqlite:///")
    if not raw or raw == ":memory:":
        raise StoreError(f"database_url: {url!r} names no file; use sqlite:///PATH/TO/FILE.db")
    return Path(raw)


class SqliteStore:
    """Store on one SQLite file; each thread gets its own connection."""

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
                             (migration.version, migration.name, _now()))
                applied.append(migration.name)
        return applied

    # -- papers -----------------------------------------------------------------------

    def upsert_papers(self, papers: Sequence[Paper]) -> UpsertResult:
        incoming: dict[str, Paper] = {}
        for paper in papers:  # the same id twice in one batch merges first
            seen = incoming.get(paper.id)
            incoming[paper.id] = paper if seen is None else merge_papers(seen, paper)
        with self.write() as conn:
            existing = self._fetch(conn, list(incoming))
            return self._apply(conn, incoming, existing)

    def _apply(self, conn: sqlite3.Connection, incoming: dict[str, Paper],
               existing: dict[str, tuple[Paper, str]]) -> UpsertResult:
        inserts: list[tuple[object, ...]] = []
        updates: list[tuple[object, ...]] = []
        versions: list[tuple[str, int, str | None]] = []
        unchanged = 0
        now = _now()
        for pid, arrived in incoming.items():
            paper = merge_papers(existing[pid][0], arrived) if pid in existing else arrived
            row = paper_to_row(paper)
            versions.extend((pid, v.version, v.created.isoformat() if v.created else None)
                            for v in paper.versions)
            if pid not in existing:
                inserts.append((*(row[c] for c in COLUMNS), now, now))
            elif row["fingerprint"] != existing[pid][1]:
                updates.append((*(row[c] for c in COLUMNS[1:]), now, pid))
            else:
                unchanged += 1
        conn.executemany(f"INSERT INTO papers ({', '.join(COLUMNS)}, ingested_at, modified_at) "
                         f"VALUES ({', '.join('?' * (len(COLUMNS) + 2))})", inserts)
        conn.executemany(f"UPDATE papers SET {', '.join(c + ' = ?' for c in COLUMNS[1:])}, "
                         "modified_at = ? WHERE id = ?", updates)
        conn.executemany("INSERT OR IGNORE INTO paper_versions VALUES (?, ?, ?)", versions)
        return UpsertResult(new=len(inserts), updated=len(updates), unchanged=unchanged)

    def _fetch(self, conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[Paper, str]]:
        """Stored papers among ids, each with its fingerprint."""
        found: dict[str, tuple[Paper, str]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = conn.execute(f"SELECT * FROM papers WHERE id IN ({marks})", chunk).fetchall()
            versions = self._versions(conn, chunk) if rows else {}
            for row in rows:
                found[row["id"]] = (row_to_paper(row, versions.get(row["id"], ())),
                                    row["fingerprint"])
        return found

    @staticmethod
    def _versions(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[Version, ...]]:
        marks = ", ".join("?" * len(ids))
        out: dict[str, list[Version]] = {}
        for pid, version, created in conn.execute(
                f"SELECT paper_id, version, created FROM paper_versions WHERE paper_id IN "
                f"({marks}) ORDER BY paper_id, version", ids):
            out.setdefault(pid, []).append(
                Version(version, datetime.fromisoformat(created) if created else None))
        return {k: tuple(v) for k, v in out.items()}

    def get_paper(self, paper_id: str) -> Paper | None:
        found = self._fetch(self.conn(), [paper_id])
        return found[paper_id][0] if paper_id in found else None

    def list_papers(self, *, limit: int, offset: int = 0, day_from: date | None = None,
                    day_to: date | None = None) -> list[Paper]:
        where, args = [], []
        if day_from is not None:
            where.append("day >= ?")
            args.append(day_from.isoformat())
        if day_to is not None:
            where.append("day <= ?")
            args.append(day_to.isoformat())
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.conn().execute(
            f"SELECT * FROM papers {clause} ORDER BY day IS NULL, day DESC, id DESC "
            "LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return [row_to_paper(r) for r in rows]

    def count_papers(self) -> int:
        return int(self.conn().execute("SELECT count(*) FROM papers").fetchone()[0])

    # -- state ------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self.conn().execute("SELECT value FROM ingest_state WHERE key = ?",
                                  (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO ingest_state VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                         "SET value = excluded.value, updated_at = excluded.updated_at",
                         (key, value, _now()))
