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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from paperfeed.index.embedder import Embedder
from paperfeed.models import Hit, ReaderSignals
from paperfeed.store import Store

CACHED = 256  # reader feeds kept per process

__all__ = ["Signals", "reader_feed", "recommend", "signals_of"]


# -- SEAM -------------------------------------------------------------------------------------
# `Signals` and `recommend` below stand in for the per-reader model (rank/recommend.py,
# rank/learn.py) with the same shapes, over rank.foryou.for_you. The model is not wired yet:
# its first call per window builds word counts for every paper listed (seconds, on a page
# request), and it ranks below arxiv-sanity-lite's SVM (bench/RESULTS.md). Once those are
# fixed, delete this block and import `Signals, recommend` from paperfeed.rank.recommend.

@dataclass(frozen=True)
class Signals:
    """What a reader told us, as the ranking function takes it."""

    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def recommend(store: Store, signals: Signals, *, since: date, until: date, limit: int = 10,
              embedder: Embedder | None = None) -> list[Hit]:
    """Papers listed from since to until ranked for the reader, never a liked or disliked one."""
    from paperfeed.rank.foryou import for_you

    topics = list(signals.topics) + [f'author:"{a}"' for a in signals.authors]
    hits = for_you(store, liked=signals.liked, topics=topics, categories=signals.categories,
                   exclude=signals.disliked, since=datetime.combine(since, time(), UTC),
                   limit=limit * 2, embedder=embedder)
    return [h for h in hits if h.paper.day is None or h.paper.day <= until][:limit]

# -- end of SEAM ------------------------------------------------------------------------------


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
