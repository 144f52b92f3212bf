"""Pure digest logic: who is due when (time zones, weekly days), and which papers each one gets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from datetime import date, datetime
from zoneinfo import ZoneInfo

from paperfeed.models import Digest, Hit, Subscription

MAX_WINDOW_DAYS = 14  # a long-silent subscriber gets the last two weeks, not everything

__all__ = ["MAX_WINDOW_DAYS", "due_date", "due_on", "pick", "take", "window_days"]


def due_on(subscription: Subscription, day: date) -> bool:
    """Whether a digest for this calendar day belongs to the subscription's schedule."""
    prefs = subscription.prefs
    return prefs.frequency == "daily" or day.weekday() == prefs.weekday


def due_date(subscription: Subscription, now: datetime) -> date | None:
    """The local date whose digest is due at now (its send hour has passed), else None."""
    local = now.astimezone(ZoneInfo(subscription.prefs.timezone))
    if local.hour < subscription.prefs.send_hour or not due_on(subscription, local.date()):
        return None
    return local.date()


def window_days(subscription: Subscription, day: date) -> int:
    """Days the digest looks back: since the last digest, else one schedule period."""
    last = subscription.last_digest_date
    if last is None or last >= day:
        return 7 if subscription.prefs.frequency == "weekly" else 1
    return max(1, min((day - last).days, MAX_WINDOW_DAYS))


def take(hits: Iterable[Hit], count: int, seen: set[str]) -> list[Hit]:
    """The first count hits whose papers are not in seen (which grows with those taken)."""
    out: list[Hit] = []
    for hit in hits:
        if len(out) >= count:
            break
        if hit.paper.id not in seen:
            seen.add(hit.paper.id)
            out.append(hit)
    return out


def pick(subscription: Subscription, day: date, *, trending: Sequence[Hit],
         for_you: Sequence[Hit], already_sent: Set[str], trending_count: int,
         for_you_count: int) -> Digest:
    """Top trending then "for you" papers, none sent before and none twice in one digest."""
    seen = set(already_sent)
    top = take(trending, trending_count, seen)
    mine = take(for_you, for_you_count, seen)
    return Digest(subscription, day, tuple(top), tuple(mine))
