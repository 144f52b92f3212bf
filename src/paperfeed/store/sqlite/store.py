"""SqliteStore: the embedded default store, the shared SQL parts over SQLite's own."""

from __future__ import annotations

from paperfeed.store.sql.accounts import Accounts
from paperfeed.store.sql.cards import Cards
from paperfeed.store.sql.collections import Collections
from paperfeed.store.sql.comments import Comments
from paperfeed.store.sql.digests import Digests
from paperfeed.store.sql.health import Health
from paperfeed.store.sql.library import Library
from paperfeed.store.sql.limits import Limits
from paperfeed.store.sql.maps import Maps
from paperfeed.store.sql.openings import Openings
from paperfeed.store.sql.paper_terms import PaperTerms
from paperfeed.store.sql.readers import Readers
from paperfeed.store.sql.signals import Signals
from paperfeed.store.sql.submissions import Submissions
from paperfeed.store.sql.subscriptions import Subscriptions
from paperfeed.store.sql.votes import Votes
from paperfeed.store.sqlite.fulltext import SqliteFullText
from paperfeed.store.sqlite.papers import SqlitePapers
from paperfeed.store.sqlite.tables import SqliteTables
from paperfeed.store.sqlite.vectors import SqliteVectors


class SqliteStore(SqlitePapers, SqliteFullText, SqliteTables, SqliteVectors, Readers, Votes,
                  Subscriptions, Digests, Limits, Signals,
                  Accounts, Library, Health, Comments, Collections, Cards, Openings, Submissions,
                  Maps, PaperTerms):
    """Store on one SQLite file (stdlib sqlite3, WAL, FTS5); each thread its own connection."""


__all__ = ["SqliteStore"]
