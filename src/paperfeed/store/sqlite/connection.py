"""The embedded default store: one SQLite file (stdlib sqlite3, WAL, FTS5), one writer at a time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from paperfeed.errors import NotFound, StoreError
from paperfeed.models import Paper, UpsertResult, Version
from paperfeed.store.migrations import load_migrations
from paperfeed.store.records import PaperRow, merge_papers, paper_row, row_paper, row_to_paper
from paperfeed.store.sqlite_deliver import SqliteDeliver  # digests (issue 6)
from paperfeed.store.sqlite_papers import catch_up  # ingest (issue 3)
from paperfeed.store.sqlite_papers import upsert as upsert_batch
from paperfeed.store.sqlite_search import SqliteSearch  # search (issue 4)
from paperfeed.store.transfer_rows import subscription_in, subscription_out

_CHUNK = 500  # ids per IN (...) lookup; well below SQLite's variable limit
BULK_WAL_PAGES = 16384  # WAL auto-checkpoint during bulk imports (64 MB of 4 kB pages)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sqlite_path(url: str) -> Path:
    """sqlite:///relative.db -> relative.db; sqlite:////abs/file.db -> /abs/file.db."""
    raw = url.removeprefix("sqlite:///")
    if not raw or raw == ":memory:":
        raise StoreError(f"database_url: {url!r} names no file; use sqlite:///PATH/TO/FILE.db")
    return Path(raw)


class SqliteStore(SqliteSearch, SqliteDeliver):
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
            catch_up(conn)  # a killed bulk import's papers become searchable at the next open
        return applied

    # -- papers -----------------------------------------------------------------------

    def upsert_papers(self, papers: Sequence[Paper]) -> UpsertResult:
        incoming: dict[str, Paper] = {}
        for paper in papers:  # the same id twice in one batch merges first
            seen = incoming.get(paper.id)
            incoming[paper.id] = paper if seen is None else merge_papers(seen, paper)
        rows = {pid: paper_row(p) for pid, p in incoming.items()}
        with self.write() as conn:  # the fast batch path is in sqlite_papers (issue 3)
            return upsert_batch(conn, rows, _now(), self._fetch, papers=incoming)

    # -- ingest (issue 3): bulk imports of rendered rows ------------------------------------

    def upsert_rows(self, rows: Sequence[PaperRow], *, bulk: bool = False) -> UpsertResult:
        incoming: dict[str, PaperRow] = {}
        for row in rows:  # the same id twice in one batch merges first
            pid, seen = row[0][0], incoming.get(row[0][0])
            incoming[pid] = row if seen is None else paper_row(
                merge_papers(row_paper(seen), row_paper(row)))
        if bulk:  # copy the WAL back every 64 MB, not 4: about 10% less writer time
            self.conn().execute(f"PRAGMA wal_autocheckpoint = {BULK_WAL_PAGES}")
        with self.write() as conn:
            return upsert_batch(conn, incoming, _now(), self._fetch, bulk=bulk)

    def finish_bulk(self) -> None:
        with self.write() as conn:
            catch_up(conn)
        self.conn().execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default

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

    # -- web (issue 5): readers, vote writes, single-use tokens, page-cache version ----------

    def get_or_create_reader(self, email: str) -> int:
        address, now = email.strip().lower(), _now()
        with self.write() as conn:
            conn.execute("INSERT INTO readers (email, created_at, last_seen) VALUES (?, ?, ?) "
                         "ON CONFLICT(email) DO UPDATE SET last_seen = excluded.last_seen",
                         (address, now, now))
            row = conn.execute("SELECT id FROM readers WHERE email = ?", (address,)).fetchone()
        return int(row[0])

    def session_epoch(self, reader_id: int) -> int | None:
        row = self.conn().execute("SELECT session_epoch FROM readers WHERE id = ?",
                                  (reader_id,)).fetchone()
        return None if row is None else int(row[0])

    def end_sessions(self, reader_id: int) -> None:
        with self.write() as conn:
            conn.execute("UPDATE readers SET session_epoch = session_epoch + 1 WHERE id = ?",
                         (reader_id,))

    def toggle_vote(self, reader_id: int, paper_id: str) -> bool:
        with self.write() as conn:
            removed = conn.execute("DELETE FROM votes WHERE reader_id = ? AND paper_id = ?",
                                   (reader_id, paper_id)).rowcount
            if removed:
                return False
            try:
                conn.execute("INSERT INTO votes (reader_id, paper_id, created_at) VALUES (?, ?, ?)",
                             (reader_id, paper_id, _now()))
            except sqlite3.IntegrityError:
                raise NotFound(f"no paper {paper_id!r} or no reader {reader_id}") from None
        return True

    def has_voted(self, reader_id: int, paper_ids: Sequence[str]) -> set[str]:
        ids, voted = list(dict.fromkeys(paper_ids)), set[str]()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            rows = self.conn().execute(
                f"SELECT paper_id FROM votes WHERE reader_id = ? AND paper_id IN "
                f"({', '.join('?' * len(chunk))})", [reader_id, *chunk])
            voted.update(str(r[0]) for r in rows)
        return voted

    def spend_token(self, nonce: str) -> bool:
        with self.write() as conn:
            return conn.execute("INSERT OR IGNORE INTO spent_tokens (nonce, spent_at) "
                                "VALUES (?, ?)", (nonce, _now())).rowcount == 1

    def forget_spent_tokens(self, before: datetime) -> int:
        with self.write() as conn:
            return conn.execute("DELETE FROM spent_tokens WHERE spent_at < ?",
                                (before.astimezone(UTC).isoformat(timespec="seconds"),)).rowcount

    def data_version(self) -> str:
        # PRAGMA data_version changes whenever another connection commits; this connection
        # only ever reads it, so every commit by anyone (other threads, processes) counts.
        with self._lock:
            conn: sqlite3.Connection | None = getattr(self, "_version_conn", None)
            if conn is None or conn not in self._all:  # first use, or reopened after close()
                conn = self._version_conn = self._connect()
                self._all.append(conn)
            return str(conn.execute("PRAGMA data_version").fetchone()[0])

    def neighbour_days(self, day: date) -> tuple[date | None, date | None]:
        row = self.conn().execute(
            "SELECT (SELECT max(day) FROM papers WHERE day < ?), "
            "(SELECT min(day) FROM papers WHERE day > ?)",
            (day.isoformat(), day.isoformat())).fetchone()
        before, after = (date.fromisoformat(v) if v else None for v in row)
        return before, after

    # -- postgres (issue 8): backend-side vector index (none here) --------------------------

    def build_vector_index(self, model: str) -> bool:
        return False

    # -- api/export (issue 7): conditional GET, export and import of user data ---------------

    def changed_at(self, paper_ids: Sequence[str]) -> datetime | None:
        ids, newest = list(dict.fromkeys(paper_ids)), ""
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            row = self.conn().execute(
                f"SELECT (SELECT max(modified_at) FROM papers WHERE id IN ({marks})), "
                f"(SELECT max(created_at) FROM votes WHERE paper_id IN ({marks}))",
                [*chunk, *chunk]).fetchone()
            newest = max([newest, *(v for v in row if v)])
        return datetime.fromisoformat(newest) if newest else None

    def iter_papers(self, *, batch: int = 1000) -> Iterator[Paper]:
        after = ""
        while True:
            ids = [r[0] for r in self.conn().execute(
                "SELECT id FROM papers WHERE id > ? ORDER BY id LIMIT ?", (after, batch))]
            if not ids:
                return
            found = self._fetch(self.conn(), ids)
            yield from (found[i][0] for i in ids)
            after = ids[-1]

    def iter_votes(self) -> Iterator[tuple[str, str, datetime]]:
        rows = self.conn().execute(
            "SELECT r.email, v.paper_id, v.created_at FROM votes v JOIN readers r "
            "ON r.id = v.reader_id ORDER BY r.email, v.paper_id").fetchall()
        for email, paper_id, created in rows:
            yield str(email), str(paper_id), datetime.fromisoformat(created)

    def add_votes(self, votes: Sequence[tuple[str, str, datetime]]) -> tuple[int, int, int]:
        added = present = skipped = 0
        with self.write() as conn:
            for email, paper_id, cast in votes:
                known = conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,))
                if known.fetchone() is None:
                    skipped += 1
                    continue
                address = email.strip().lower()
                conn.execute("INSERT OR IGNORE INTO readers (email, created_at) VALUES (?, ?)",
                             (address, _now()))
                added_now = conn.execute(
                    "INSERT OR IGNORE INTO votes (reader_id, paper_id, created_at) SELECT id, ?, ? "
                    "FROM readers WHERE email = ?",
                    (paper_id, cast.astimezone(UTC).isoformat(), address)).rowcount
                added, present = added + added_now, present + (1 - added_now)
        return added, present, skipped

    def _subscription_columns(self) -> list[str]:
        return [r[1] for r in self.conn().execute("PRAGMA table_info(subscriptions)")]

    def iter_subscriptions(self) -> Iterator[dict[str, Any]]:
        columns = self._subscription_columns()
        rows = self.conn().execute("SELECT * FROM subscriptions ORDER BY email").fetchall()
        yield from (subscription_out(row, columns) for row in rows)

    def put_subscriptions(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        columns, added, updated = self._subscription_columns(), 0, 0
        with self.write() as conn:
            for record in rows:
                try:
                    values = subscription_in(record, columns)
                    names = list(values)
                    existed = conn.execute("SELECT 1 FROM subscriptions WHERE email = ?",
                                           (values["email"],)).fetchone() is not None
                    conn.execute(
                        f"INSERT INTO subscriptions ({', '.join(names)}) VALUES "
                        f"({', '.join('?' * len(names))}) ON CONFLICT(email) DO UPDATE SET "
                        f"{', '.join(f'{n} = excluded.{n}' for n in names)}",
                        [values[n] for n in names])
                except (ValueError, sqlite3.DatabaseError) as exc:
                    raise StoreError(f"subscription {record.get('email')!r}: {exc}") from None
                added, updated = added + (not existed), updated + existed
        return added, updated
