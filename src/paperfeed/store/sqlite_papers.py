"""The SQLite write path for papers: one batch upserted fast, in the caller's transaction.

Rows are first written to a per-connection TEMP staging table, then moved into `papers`
with one INSERT ... SELECT and one UPDATE ... FROM. The full-text triggers still keep
papers_fts in step, in the same transaction (so a kill -9 leaves both or neither), but inside
ONE statement: FTS5 (as in SQLite 3.40) writes out its pending index data at every statement
savepoint, so one statement per row made it write, and later merge, a segment per paper,
which was most of the cost of an import (bench/ingest.py measures both paths).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paperfeed.models import Paper, UpsertResult, Version
from paperfeed.store.records import COLUMNS, merge_papers, paper_to_row

Fetch = Callable[[sqlite3.Connection, list[str]], dict[str, tuple[Paper, str]]]
_CHUNK = 500  # ids per IN (...) lookup
_STAGED = (*COLUMNS, "ingested_at", "modified_at")
_TEXT = ("title", "abstract", "authors_text")  # what the full-text index holds
_KEEP = ("id", "ingested_at")  # never overwritten by an update


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


def upsert(conn: sqlite3.Connection, incoming: dict[str, Paper], now: str,
           fetch: Fetch) -> UpsertResult:
    """Insert or merge papers (ids unique) inside the open transaction on conn.

    A paper whose row is exactly what is stored is unchanged without being read back;
    only papers that differ are fetched whole and merged (store.records.merge_papers).
    """
    rows = {pid: paper_to_row(p) for pid, p in incoming.items()}
    stored = _fingerprints(conn, list(rows))
    plan = _Plan()
    differing = [pid for pid in rows if pid in stored and rows[pid]["fingerprint"] != stored[pid]]
    old = fetch(conn, differing) if differing else {}
    for pid, paper in incoming.items():
        if pid not in stored:
            plan.inserts.append((*(rows[pid][c] for c in COLUMNS), now, now))
            _add_versions(plan, pid, paper.versions)
        elif pid not in old:  # same fingerprint: nothing to merge; versions may be new
            plan.unchanged += 1
            _add_versions(plan, pid, paper.versions)
        else:
            _plan_merge(plan, old[pid][0], paper, old[pid][1], now)
    _write(conn, plan)
    return plan.result()


def _plan_merge(plan: _Plan, old: Paper, arrived: Paper, fingerprint: str, now: str) -> None:
    merged = merge_papers(old, arrived)
    row = paper_to_row(merged)
    _add_versions(plan, merged.id, merged.versions)
    if row["fingerprint"] == fingerprint:
        plan.unchanged += 1
        return
    values = (*(row[c] for c in COLUMNS), now, now)
    same_text = (old.title, old.abstract, old.author_names) == (
        merged.title, merged.abstract, merged.author_names)
    (plan.other_updates if same_text else plan.text_updates).append(values)


def _add_versions(plan: _Plan, pid: str, versions: Sequence[Version]) -> None:
    plan.versions.extend((pid, v.version, v.created.isoformat() if v.created else None)
                         for v in versions)


def _fingerprints(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        found.update(conn.execute(
            f"SELECT id, fingerprint FROM papers WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk).fetchall())
    return found


def _write(conn: sqlite3.Connection, plan: _Plan) -> None:
    """Each kind of change as one statement over the staged rows."""
    text_columns = [c for c in _STAGED if c not in _KEEP]
    other_columns = [c for c in text_columns if c not in _TEXT]
    if plan.inserts:
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
