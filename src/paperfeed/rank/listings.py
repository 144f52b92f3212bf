"""Listings of a day or a span of days (a week, a month), by trending or by date.

rank_listing is pure; listing and daily gather from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.rank.trending import ListingRow, rank_rows
from paperfeed.store import Store

SORTS = ("trending", "date")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rank_listing(rows: Sequence[ListingRow], votes: Mapping[str, Sequence[datetime]], *,
                 sort: str, now: datetime, half_life_days: float) -> list[tuple[str, float]]:
    """(id, score) of listing rows: by trending score at now, or newest first (score 0)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    if sort == "date":
        newest = sorted(rows, key=lambda r: (r[1], (r[2] or _EPOCH).timestamp(), r[0]),
                        reverse=True)
        return [(pid, 0.0) for pid, _, _, _ in newest]
    return rank_rows([(pid, pub, up) for pid, _, pub, up in rows], votes, now, half_life_days)


def with_submitted(rows: Sequence[ListingRow],
                   submitted: Sequence[ListingRow]) -> list[ListingRow]:
    """Listing rows plus the papers readers submitted in the span, each paper once: a
    submitted paper is listed on the day it was submitted, as new as its submission."""
    merged = {r[0]: r for r in rows}
    merged.update((r[0], r) for r in submitted)
    return list(merged.values())


def listing(store: Store, day_from: date, day_to: date, *, sort: str = "trending",
            now: datetime, limit: int = 30, offset: int = 0,
            half_life_days: float = 3.0) -> list[Hit]:
    """Gathers the papers listed in [day_from, day_to] and their votes: rank_listing's page."""
    rows = with_submitted(store.listing_rows(day_from, day_to),
                          store.submitted_rows(day_from, day_to))
    votes = store.vote_times(_EPOCH, [r[0] for r in rows]) if sort == "trending" else {}
    ranked = rank_listing(rows, votes, sort=sort, now=now, half_life_days=half_life_days)
    return hits_for(store, ranked[offset:offset + max(0, limit)])


def daily(store: Store, day: date, *, sort: str = "trending", now: datetime, limit: int = 30,
          offset: int = 0, half_life_days: float = 3.0) -> list[Hit]:
    """Gathers the papers of one listing day (announced, else published, on day)."""
    return listing(store, day, day, sort=sort, now=now, limit=limit, offset=offset,
                   half_life_days=half_life_days)
