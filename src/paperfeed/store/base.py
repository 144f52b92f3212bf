"""The Store protocol: every backend (SQLite, PostgreSQL) offers exactly these operations.

It is the sum of the role protocols in store/roles.py; a caller that needs one role can
depend on that role alone.
"""

from __future__ import annotations

from typing import Protocol

from paperfeed.store.card_roles import CardStore, OpeningStore, SubmissionStore
from paperfeed.store.map_roles import MapCluster, MapPoint, MapStore
from paperfeed.store.reader_roles import AccountStore, SignalStore
from paperfeed.store.roles import (
    Database,
    DigestStore,
    FullTextStore,
    LimitStore,
    PaperStore,
    ReaderStore,
    SubscriptionStore,
    TableCopy,
    VectorStore,
    VoteStore,
)
from paperfeed.store.shapes import TextQuery, Vectors, VectorSearch
from paperfeed.store.social_roles import CollectionStore, CommentStore
from paperfeed.store.term_roles import ChangedPaperStore, TermStore


class Store(Database, PaperStore, FullTextStore, VectorStore, ReaderStore, VoteStore,
            SubscriptionStore, DigestStore, LimitStore, TableCopy, SignalStore, AccountStore,
            CommentStore, CollectionStore, CardStore, OpeningStore, SubmissionStore,
            MapStore, TermStore, ChangedPaperStore, Protocol):
    """Persistence for papers and everything attached to them; plain SQL behind it."""


__all__ = ["AccountStore", "CollectionStore", "CommentStore", "Database", "DigestStore",
           "FullTextStore", "LimitStore", "PaperStore", "ReaderStore", "SignalStore", "Store",
           "SubscriptionStore", "TableCopy", "TextQuery", "VectorSearch", "VectorStore", "Vectors",
           "VoteStore"]
__all__ += ["CardStore", "OpeningStore", "SubmissionStore"]
__all__ += ["MapCluster", "MapPoint", "MapStore"]
__all__ += ["ChangedPaperStore", "TermStore"]
