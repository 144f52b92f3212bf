"""How many papers a store holds, counted again only when its papers change.

Word weights (idf) need the paper count on every search and every topic match; counting a
million rows is a scan of tens of milliseconds, while the store's papers version is one index
lookup.
"""

from __future__ import annotations

import threading

from paperfeed.store import Store

_counts: dict[str, tuple[str, int]] = {}
_lock = threading.Lock()


def paper_count(store: Store) -> int:
    """store.count_papers(), kept per store while Store.papers_version() stays the same."""
    version = store.papers_version()
    with _lock:
        cached = _counts.get(store.url)
    if cached is not None and cached[0] == version:
        return cached[1]
    count = store.count_papers()
    with _lock:
        _counts[store.url] = (version, count)
    return count
