"""The one base every store part stands on: connections and transactions, per backend.

Shared parts (store/sql/) and backend parts (store/sqlite/, store/postgres/) all derive
from SqlBase; each backend's connection.py implements its connection methods once, so a shared
part never declares stand-ins for its host's methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from paperfeed.store.sql.dialect import Dialect


class Cursor(Protocol):
    """What shared code uses of a cursor (sqlite3's and psycopg's both fit)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What shared code uses of a connection; rows are read by column name."""

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def cursor(self) -> Any: ...


class SqlBase:
    """Connections for the store parts; queries go through run() in the backend's dialect."""

    url: str
    dialect: ClassVar[Dialect]
    integrity_error: ClassVar[type[Exception]]  # the driver's: a violated key or constraint
    database_error: ClassVar[type[Exception]]  # the driver's base error

    def reading(self) -> AbstractContextManager[Any]:
        """A connection for reads (and nothing else): no transaction round trips."""
        raise NotImplementedError

    def writing(self) -> AbstractContextManager[Any]:
        """One write transaction: committed whole or rolled back whole."""
        raise NotImplementedError

    def writing_one(self) -> AbstractContextManager[Any]:
        """A connection for one write statement (its own transaction)."""
        raise NotImplementedError

    def data_changed(self) -> None:
        """Called after a commit that changed papers or votes (page caches go stale)."""
        raise NotImplementedError

    def data_version(self) -> str:
        """A value that moves on every write (each backend keeps its own)."""
        raise NotImplementedError

    def table_columns(self, conn: Connection, table: str) -> list[str]:
        """The columns of a table, in table order (each backend asks its catalogue)."""
        raise NotImplementedError

    def run(self, conn: Connection, query: str, params: Sequence[Any] = ()) -> Cursor:
        """Execute a `?` query on conn in this backend's dialect."""
        cursor: Cursor = conn.execute(self.dialect.sql(query), params)
        return cursor

    def run_many(self, conn: Connection, query: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a `?` query once per row."""
        if rows:
            conn.cursor().executemany(self.dialect.sql(query), rows)

    def value(self, conn: Connection, query: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.run(conn, query, params).fetchone()
        if row is None:
            return None
        return next(iter(row.values())) if isinstance(row, dict) else row[0]


def now() -> str:
    """The current time as stored: UTC ISO 8601 text to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_text(moment: datetime) -> str:
    """A moment (naive: taken as UTC) as stored, to the second."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")
