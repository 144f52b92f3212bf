"""The Store protocol: every backend (SQLite, PostgreSQL) offers exactly these operations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from paperfeed.models import Paper, UpsertResult


class Store(Protocol):
    """Persistence for papers and everything attached to them; plain SQL behind it."""

    url: str

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied (empty when up to date)."""
        ...

    def close(self) -> None: ...

    def upsert_papers(self, papers: Sequence[Paper]) -> UpsertResult:
        """Insert or merge a batch in one transaction: all of it lands, or none of it."""
        ...

    def get_paper(self, paper_id: str) -> Paper | None: ...

    def list_papers(self, *, limit: int, offset: int = 0, day_from: date | None = None,
                    day_to: date | None = None) -> list[Paper]:
        """Papers newest first (by listing day, then id), optionally within [day_from, day_to]."""
        ...

    def count_papers(self) -> int: ...

    def get_state(self, key: str) -> str | None:
        """A value remembered between runs (an ingest cursor, for example)."""
        ...

    def set_state(self, key: str, value: str) -> None: ...
