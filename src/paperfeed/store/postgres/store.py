"""PostgresStore: the scale-out store, the shared SQL parts over PostgreSQL's own."""

from __future__ import annotations

from paperfeed.store.postgres.fulltext import PgFullText
from paperfeed.store.postgres.papers import PgPapers
from paperfeed.store.postgres.tables import PgTables
from paperfeed.store.postgres.vectors import PgVectors
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


class PostgresStore(PgPapers, PgFullText, PgTables, PgVectors, Readers, Votes,
                    Subscriptions, Digests, Limits, Signals,
                    Accounts, Library, Health, Comments, Collections, Cards, Openings, Submissions,
                    Maps, PaperTerms):
    """Store on one PostgreSQL database (psycopg 3 pool, tsvector + GIN, pgvector HNSW); a pool
    of connections shared by this process's threads."""


__all__ = ["PostgresStore"]
