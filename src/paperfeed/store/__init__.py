"""Storage: open_store(url) picks the backend from the database URL."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from paperfeed.errors import ConfigError
from paperfeed.store.base import Store

__all__ = ["Store", "display_url", "open_store"]


def display_url(url: str) -> str:
    """The database URL fit for messages and logs: a password in it is masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def open_store(url: str, *, migrate: bool = True, pool_size: int = 10) -> Store:
    """Open (and by default migrate) the store a database URL names.

    pool_size bounds the connections a PostgreSQL store keeps (setting database_pool_size).
    """
    store: Store
    if url.startswith("sqlite:///"):
        from paperfeed.store.sqlite import SqliteStore

        store = SqliteStore(url)
    elif url.startswith(("postgresql://", "postgres://")):
        try:
            from paperfeed.store.postgres import (  # type: ignore[import-not-found,unused-ignore]
                PostgresStore,
            )
        except ImportError as exc:
            raise ConfigError(f"database_url: PostgreSQL support is not available ({exc}); "
                              "install paperfeed with its PostgreSQL dependencies") from None
        store = PostgresStore(url, pool_size=pool_size)
    else:
        raise ConfigError(f"database_url: {url!r} is not supported; use sqlite:///PATH or "
                          "postgresql://USER@HOST/DB")
    if migrate:
        store.migrate()
    return store
