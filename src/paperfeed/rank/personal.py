"""A reader's own feed: their stored signals in, ranked papers with reasons out.

The one call the /for-you page, the API, the private feed and the digest share
(`reader_feed`). It turns the store's ReaderSignals into the ranking function's Signals and
never returns a hidden, "less like this" or already-liked paper. Answers are kept per
(reader, signal version, data version, window), so a page view after no change is free.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from datetime import date
from typing import Any

from paperfeed.index.embedder import Embedder
from paperfeed.models import Hit, ReaderSignals
from paperfeed.rank.recommend import Signals, recommend
from paperfeed.store import Store

CACHED = 256  # reader feeds kept per process

__all__ = ["Signals", "reader_feed", "recommend", "signals_of"]


def signals_of(reader: ReaderSignals) -> Signals:
    """The store's record of a reader as the ranking function's input."""
    return Signals(liked=reader.positives, disliked=reader.negatives, authors=reader.authors,
                   topics=reader.topics, categories=reader.categories)


_cache: OrderedDict[tuple[Any, ...], list[Hit]] = OrderedDict()
_lock = threading.Lock()


def reader_feed(store: Store, reader: ReaderSignals, *, since: date, until: date,
                limit: int = 30, exclude: Collection[str] = (),
                embedder: Embedder | None = None) -> list[Hit]:
    """The reader's papers listed from since to until, best first, each with a reason;
    excluded, hidden, "less like this" and liked papers never appear."""
    key = (store.url, reader.reader_id, reader.version, store.data_version(), since, until,
           limit + len(exclude), getattr(embedder, "name", None))
    with _lock:
        hits = _cache.get(key)
    if hits is None:
        hits = recommend(store, signals_of(reader), since=since, until=until,
                         limit=limit + len(exclude), embedder=embedder)
        with _lock:
            _cache[key] = hits
            while len(_cache) > CACHED:
                _cache.popitem(last=False)
    skip = set(exclude) | set(reader.negatives) | set(reader.positives)
    return [h for h in hits if h.paper.id not in skip][:limit]
