"""The SQLite write path for papers: one batch upserted fast, in the caller's transaction.

Normal writes go through a per-connection TEMP staging table and move into `papers` with one
INSERT ... SELECT and one UPDATE ... FROM; the full-text triggers keep papers_fts in step in
the same transaction, inside ONE statement (FTS5, as in SQLite 3.40, writes out its pending
index data at every statement savepoint, so one statement per row wrote a segment per paper).

Bulk writes (a snapshot import) go further: new papers skip the per-row triggers and wait in
a backlog (migration 0007: papers_fts_backlog holds the last indexed rowid), which is indexed
by one INSERT ... SELECT per FTS_CHUNK papers, in the same transaction as the batch that fills
the chunk; big statements make few segments and little merging (bench/ingest.py). A kill
leaves a consistent database whose backlog the next write catches up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paperfeed.models import Paper, UpsertResult
from paperfeed.store.records import (
    COLUMNS,
    FINGERPRINT,
    PaperRow,
    merge_batch,
    merge_papers,
    render_paper,
    rendered_to_paper,
)
from paperfeed.store.sql.base import now
from paperfeed.store.sql.papers import Papers
from paperfeed.store.sqlite.connection import SqliteConnection

Fetch = Callable[[sqlite3.Connection, list[str]], dict[str, tuple[Paper, str]]]
BULK_WAL_PAGES = 16384  # WAL auto-checkpoint during bulk imports (64 MB of 4 kB pages)
_CHUNK = 500  # ids per IN (...) lookup
FTS_CHUNK = 50_000  # backlog papers indexed per statement by bulk writes
_STAGED = (*COLUMNS, "ingested_at", "modified_at")
_TEXT = ("title", "abstract", "authors_text")  # what the full-text index holds
_KEEP = ("id", "ingested_at")  # never overwritten by an update
_INSERT = (f"INSERT INTO papers ({', '.join(_STAGED)}) "
           f"VALUES ({', '.join('?' * len(_STAGED))})")


@dataclass
class _Plan:
    """What one batch does: rows to insert, rows to update (split by whether the indexed
    text changes), versions to record, and how many papers were already up to date."""

    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    text_updates: list[tuple[Any, ...]] = field(default_factory=list)
    other_updates: list[tuple[Any, ...]] = field(default_factory=list)
    versions: list[tuple[str, int, str | None]] = field(default_factory=list)
    unchanged: int = 0

    def result(self) -> UpsertResult:
        return UpsertResult(new=len(self.inserts), unchanged=self.unchanged,
                            updated=len(self.text_updates) + len(self.other_updates))


def upsert(conn: sqlite3.Connection, incoming: Mapping[str, PaperRow], now: str,
           fetch: Fetch, *, papers: Mapping[str, Paper] | None = None,
           bulk: bool = False) -> UpsertResult:
    """Insert or merge rendered papers (ids unique) inside the open transaction on conn.

    A paper whose row is exactly what is stored is unchanged without being read back;
    only papers that differ are fetched whole and merged (store.records.merge_papers), with
    the arriving Paper taken from papers when given. Under bulk, new papers join the
    full-text backlog; otherwise a backlog left by others is indexed first.
    """
    stored = _fingerprints(conn, list(incoming))
    plan = _Plan()
    differing = [pid for pid, (values, _) in incoming.items()
                 if pid in stored and values[FINGERPRINT] != stored[pid]]
    old = fetch(conn, differing) if differing else {}
    for pid, (values, versions) in incoming.items():
        if pid not in stored:
            plan.inserts.append((*values, now, now))
        elif pid not in old:  # same fingerprint: nothing to merge; versions may be new
            plan.unchanged += 1
        else:
            arrived = papers[pid] if papers is not None else rendered_to_paper(incoming[pid])
            _plan_merge(plan, old[pid][0], arrived, old[pid][1], now)
            continue
        plan.versions.extend((pid, number, created) for number, created in versions)
    if not bulk:
        catch_up(conn)
    _write(conn, plan, bulk)
    return plan.result()


def _plan_merge(plan: _Plan, old: Paper, arrived: Paper, fingerprint: str, now: str) -> None:
    merged = merge_papers(old, arrived)
    values, versions = render_paper(merged)
    plan.versions.extend((merged.id, number, created) for number, created in versions)
    if values[FINGERPRINT] == fingerprint:
        plan.unchanged += 1
        return
    same_text = (old.title, old.abstract, old.author_names) == (
        merged.title, merged.abstract, merged.author_names)
    (plan.other_updates if same_text else plan.text_updates).append((*values, now, now))


def _fingerprints(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update(conn.execute(
            f"SELECT id, fingerprint FROM papers WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk).fetchall())
    return found


def _write(conn: sqlite3.Connection, plan: _Plan, bulk: bool) -> None:
    """Each kind of change as one statement over the staged rows (bulk inserts: the rows
    straight into papers, the full text left to the backlog)."""
    text_columns = [c for c in _STAGED if c not in _KEEP]
    other_columns = [c for c in text_columns if c not in _TEXT]
    if plan.inserts and bulk:
        _insert_bulk(conn, plan.inserts)
    elif plan.inserts:
        _stage(conn, plan.inserts)
        conn.execute(f"INSERT INTO papers ({', '.join(_STAGED)}) SELECT {', '.join(_STAGED)} "
                     "FROM temp.paper_staging ORDER BY rowid")
        conn.execute("DELETE FROM temp.paper_staging")
    for updates, columns in ((plan.text_updates, text_columns),
                             (plan.other_updates, other_columns)):
        if updates:
            _stage(conn, updates)
            conn.execute(f"UPDATE papers SET {', '.join(f'{c} = s.{c}' for c in columns)} "
                         "FROM temp.paper_staging AS s WHERE papers.id = s.id")
            conn.execute("DELETE FROM temp.paper_staging")
    conn.executemany("INSERT OR IGNORE INTO paper_versions VALUES (?, ?, ?)", plan.versions)


def _stage(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Put rows into this connection's TEMP staging table (emptied after each use)."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS paper_staging ({', '.join(_STAGED)})")
    conn.executemany(f"INSERT INTO temp.paper_staging VALUES "
                     f"({', '.join('?' * len(_STAGED))})", rows)


def _insert_bulk(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """New papers into the backlog (opened at the current last rowid if there is none);
    the backlog is indexed once it holds FTS_CHUNK papers.

    Every new row would leave the full-text insert trigger to the backlog, but testing its
    condition costs a subquery per row; so the trigger is dropped for the statement and
    created again from its own stored text, in the same transaction (a kill rolls both
    back)."""
    conn.execute("INSERT OR IGNORE INTO papers_fts_backlog (id, done) "
                 "SELECT 1, coalesce(max(rowid), 0) FROM papers")
    trigger = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                           "name = 'papers_fts_insert'").fetchone()
    if trigger is not None:
        conn.execute("DROP TRIGGER papers_fts_insert")
    conn.executemany(_INSERT, rows)
    if trigger is not None:
        conn.execute(trigger[0])
    pending = conn.execute("SELECT (SELECT max(rowid) FROM papers) - done "
                           "FROM papers_fts_backlog").fetchone()
    if pending is not None and pending[0] >= FTS_CHUNK:
        catch_up(conn)


def catch_up(conn: sqlite3.Connection) -> bool:
    """Index the papers waiting in the full-text backlog, in one statement, and close the
    backlog (inside the caller's transaction); False when there was none."""
    backlog = conn.execute("SELECT done FROM papers_fts_backlog").fetchone()
    if backlog is None:
        return False
    conn.execute("INSERT INTO papers_fts (rowid, title, abstract, authors_text) "
                 "SELECT rowid, title, abstract, authors_text FROM papers WHERE rowid > ? "
                 "ORDER BY rowid", (backlog[0],))
    conn.execute("DELETE FROM papers_fts_backlog")
    return True


class SqlitePapers(Papers, SqliteConnection):
    """Paper writes of SqliteStore: one batch per BEGIN IMMEDIATE, through upsert above."""

    def upsert_papers(self, papers: Sequence[Paper]) -> UpsertResult:
        incoming = merge_batch(papers)
        rows = {pid: render_paper(p) for pid, p in incoming.items()}
        with self.write() as conn:
            return upsert(conn, rows, now(), self._fetch, papers=incoming)

    def upsert_rows(self, rows: Sequence[PaperRow], *, bulk: bool = False) -> UpsertResult:
        incoming: dict[str, PaperRow] = {}
        for row in rows:  # the same id twice in one batch merges first
            pid, seen = row[0][0], incoming.get(row[0][0])
            incoming[pid] = row if seen is None else render_paper(
                merge_papers(rendered_to_paper(seen), rendered_to_paper(row)))
        if bulk:  # copy the WAL back every 64 MB, not 4: about 10% less writer time
            self.conn().execute(f"PRAGMA wal_autocheckpoint = {BULK_WAL_PAGES}")
        with self.write() as conn:
            return upsert(conn, incoming, now(), self._fetch, bulk=bulk)

    def finish_bulk(self) -> None:
        with self.write() as conn:
            catch_up(conn)
        self.conn().execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default

    def after_migrate(self, conn: sqlite3.Connection) -> None:
        catch_up(conn)  # a killed bulk import's papers become searchable at the next open
