"""Daily, weekly (ISO week) and monthly listings, sorted by trending or by date."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from paperfeed.errors import NotFound
from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.rank.trending import rank_rows
from paperfeed.store import Store

SORTS = ("trending", "date")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def listing(store: Store, day_from: date, day_to: date, *, sort: str = "trending",
            now: datetime, limit: int = 30, offset: int = 0,
            half_life_days: float = 3.0) -> list[Hit]:
    """Papers listed in [day_from, day_to]: by trending score at now, or newest first."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    rows = store.listing_rows(day_from, day_to)
    if sort == "date":
        rows.sort(key=lambda r: (r[1], (r[2] or _EPOCH).timestamp(), r[0]), reverse=True)
        ranked = [(pid, 0.0) for pid, _, _, _ in rows]
    else:
        votes = store.vote_times(_EPOCH, [r[0] for r in rows])
        ranked = rank_rows([(pid, pub, up) for pid, _, pub, up in rows], votes, now,
                           half_life_days)
    return hits_for(store, ranked[offset:offset + max(0, limit)])


def daily(store: Store, day: date, *, sort: str = "trending", now: datetime, limit: int = 30,
          offset: int = 0, half_life_days: float = 3.0) -> list[Hit]:
    """Papers of one listing day (announced, else published, on day)."""
    return listing(store, day, day, sort=sort, now=now, limit=limit, offset=offset,
                   half_life_days=half_life_days)


def week_range(year: int, week: int) -> tuple[date, date]:
    """Monday and Sunday of an ISO week; NotFound when the week does not exist."""
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise NotFound(f"there is no ISO week {week} in {year}") from None
    return monday, monday + timedelta(days=6)


def month_range(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month; NotFound when it does not exist."""
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        raise NotFound(f"there is no month {year}-{month:02d}")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def weekly(store: Store, year: int, week: int, *, sort: str = "trending", now: datetime,
           limit: int = 30, offset: int = 0, half_life_days: float = 3.0) -> list[Hit]:
    """Papers of one ISO week."""
    first, last = week_range(year, week)
    return listing(store, first, last, sort=sort, now=now, limit=limit, offset=offset,
                   half_life_days=half_life_days)


def monthly(store: Store, year: int, month: int, *, sort: str = "trending", now: datetime,
            limit: int = 30, offset: int = 0, half_life_days: float = 3.0) -> list[Hit]:
    """Papers of one calendar month."""
    first, last = month_range(year, month)
    return listing(store, first, last, sort=sort, now=now, limit=limit, offset=offset,
                   half_life_days=half_life_days)
