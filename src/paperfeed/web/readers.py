"""What the reader's own pages, API and private feed share: who is asking, and the window
and ranking of their feed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from fastapi import HTTPException, Request

from paperfeed.models import Hit, ReaderSignals
from paperfeed.rank.personal import reader_feed
from paperfeed.store import Store
from paperfeed.web.auth import Reader, current_reader
from paperfeed.web.deps import embedder

FEED_DAYS = (1, 7)  # the page's choices: the last day, the last week
MAX_DAYS = 30
MAX_TOPICS, MAX_TOPIC_CHARS, MAX_CATEGORIES = 20, 200, 30
# How often one reader may change things (every web and worker process counts together)
LIMITS = {"signal": (600, timedelta(hours=1)), "import": (20, timedelta(hours=1))}
_CATEGORY = re.compile(r"[A-Za-z-]+(\.[A-Za-z-]+)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class BadInterests(ValueError):
    """Topics or categories that cannot be kept; the message says which."""


def interests(topics: Sequence[str], categories: Sequence[str]) -> tuple[tuple[str, ...],
                                                                         tuple[str, ...]]:
    """Typed topics (one line each, control characters dropped, capped) and picked arXiv
    categories, checked as the subscription form checks them."""
    kept = tuple(dict.fromkeys(t for t in (" ".join(_CONTROL.sub(" ", raw).split())
                                           [:MAX_TOPIC_CHARS] for raw in topics) if t))
    if len(kept) > MAX_TOPICS:
        raise BadInterests(f"at most {MAX_TOPICS} topics")
    cats = tuple(dict.fromkeys(c.strip() for c in categories if c.strip()))
    for cat in cats:
        if not _CATEGORY.fullmatch(cat):
            raise BadInterests(f"{cat[:40]!r} is not an arXiv category (like cs.LG)")
    if len(cats) > MAX_CATEGORIES:
        raise BadInterests(f"at most {MAX_CATEGORIES} categories")
    return kept, cats


def signed_in(request: Request, what: str = "use this") -> Reader:
    """The signed-in reader, or 401 saying how to sign in."""
    reader = current_reader(request)
    if reader is None:
        raise HTTPException(401, f"sign in to {what} (POST /signin, then send the session "
                                 "cookie)")
    return reader


def rate_limit(store: Store, what: str, who: int | str) -> None:
    """429 with Retry-After once `who` has done `what` too often (LIMITS)."""
    limit, window = LIMITS[what]
    wait = store.hit_limit(f"{what}:{who}", limit=limit, window=window, now=datetime.now(UTC))
    if wait is not None:
        raise HTTPException(429, f"too many requests; try again in {int(wait) + 1} s",
                            headers={"Retry-After": str(int(wait) + 1)})


def signals(store: Store, reader_id: int) -> ReaderSignals:
    """The reader's signals; 401 when the account is gone (deleted in another tab)."""
    found = store.reader_signals(reader_id)
    if found is None:
        raise HTTPException(401, "this account no longer exists; sign in again")
    return found


def window(store: Store, days: int, now: datetime | None = None) -> tuple[date, date]:
    """The last `days` listing days up to the newest day with papers (not after today)."""
    today = (now or datetime.now(UTC)).date()
    newest = store.neighbour_days(today + timedelta(days=1))[0] or today
    return newest - timedelta(days=days - 1), newest


def feed(request: Request, reader: ReaderSignals, *, days: int, limit: int) -> list[Hit]:
    """The reader's feed for the last `days` listing days, as the page, API and feed show it."""
    store = request.app.state.store
    since, until = window(store, days)
    return reader_feed(store, reader, since=since, until=until, limit=limit,
                       embedder=embedder(request))
