"""Walking a backlog of papers newest listing day first, then the undated ones, in batches
(a keyset on (day, id) along the papers_day index), written once for both backends.

What `paperfeed index` works off after a big import (cards, term rows) goes this way, so
today's papers are done first and an interrupted run loses nothing: the next run starts at
the top again and finds the newest papers done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperfeed.store.shapes import PendingCursor
from paperfeed.store.sql.base import Connection, SqlBase


def newest_first(base: SqlBase, conn: Connection, select: str, condition: str,
                 args: Sequence[Any], *, after: PendingCursor | None,
                 limit: int) -> list[Any]:
    """Rows of `select` (a SELECT ... FROM over papers as p, with p.id and p.day among
    its columns) whose papers meet `condition` (its `?` bound by args): the newest listing
    day first, then the papers without a day by id; after: the previous batch's last
    (day, id)."""
    day, last = (after.day, after.id) if after is not None else ("", "")
    rows: list[Any] = []
    if day is not None:  # the dated papers, along the papers_day index
        where = "(p.day < ? OR (p.day = ? AND p.id < ?))" if day else "p.day IS NOT NULL"
        rows = base.run(conn, f"{select} WHERE {where} AND {condition} "
                        "ORDER BY p.day DESC NULLS LAST, p.id DESC LIMIT ?",
                        [*((day, day, last) if day else ()), *args, limit]).fetchall()
        last = ""
    if len(rows) < limit:  # then the papers without a day, by id
        rows += base.run(conn, f"{select} WHERE p.day IS NULL AND (? = '' OR p.id < ?) AND "
                         f"{condition} ORDER BY p.id DESC LIMIT ?",
                         [last, last, *args, limit - len(rows)]).fetchall()
    return rows


def cursor_of(row: Any) -> PendingCursor:
    """Where the batch that ended with row (its id and day columns) goes on from."""
    return PendingCursor(None if row["day"] is None else str(row["day"]), str(row["id"]))
