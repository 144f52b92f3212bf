"""A reader's own feed: their stored signals in, ranked papers with reasons out.

The one call the /for-you page, the API, the private feed and the digest share
(`reader_feed`). It turns the store's ReaderSignals into the ranking function's Signals and
never returns a hidden, "less like this" or already-liked paper. Rankings are kept per
(reader, signal version, state of the papers and vectors, window), so a page view after no
change costs two lookups (votes are read fresh), and other readers' votes and signals keep
them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from datetime import date
from typing import Any

from paperfeed.index.embedder import Embedder
from paperfeed.models import Hit, ReaderSignals
from paperfeed.rank.hits import hits_for
from paperfeed.rank.learn import Ranked
from paperfeed.rank.recommend import Signals, corpus_state, ranking, recommend
from paperfeed.store import Store

CACHED = 256  # reader feeds kept per process

__all__ = ["Signals", "reader_feed", "recommend", "signals_of"]


def signals_of(reader: ReaderSignals) -> Signals:
    """The store's record of a reader as the ranking function's input."""
    return Signals(liked=reader.positives, disliked=reader.negatives, authors=reader.authors,
                   topics=reader.topics, categories=reader.categories)


_cache: OrderedDict[tuple[Any, ...], list[Ranked]] = OrderedDict()
_lock = threading.Lock()


def reader_feed(store: Store, reader: ReaderSignals, *, since: date, until: date,
                limit: int = 30, exclude: Collection[str] = (),
                embedder: Embedder | None = None) -> list[Hit]:
    """The reader's papers listed from since to until, best first, each with a reason;
    excluded, hidden, "less like this" and liked papers never appear."""
    key = (store.url, reader.reader_id, reader.version, corpus_state(store, embedder), since,
           until, limit + len(exclude), getattr(embedder, "name", None))
    with _lock:
        ranked = _cache.get(key)
        if ranked is not None:
            _cache.move_to_end(key)
    if ranked is None:
        ranked = ranking(store, signals_of(reader), since=since, until=until,
                         limit=limit + len(exclude), embedder=embedder)
        with _lock:
            _cache[key] = ranked
            while len(_cache) > CACHED:
                _cache.popitem(last=False)
    skip = set(exclude) | set(reader.negatives) | set(reader.positives)
    kept = [r for r in ranked if r.id not in skip][:limit]
    return hits_for(store, [(r.id, r.score) for r in kept], {r.id: r.reason for r in kept})
