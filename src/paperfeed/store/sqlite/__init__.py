"""The embedded default backend: one SQLite file (stdlib sqlite3, WAL, FTS5)."""

from paperfeed.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
