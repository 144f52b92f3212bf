"""Trending: a pure score from votes, upstream upvotes and age, and the trending list.

score = sum over local votes of 0.5 ** (vote age / half-life)
      + upstream upvotes * 0.5 ** (paper age / half-life)   (counted as cast at publication)
      + FRESHNESS * 0.5 ** (paper age / half-life)           (unvoted papers: newest first)
Recent votes weigh more than old ones, old papers fade, and among equal scores the newer
paper comes first (trending() breaks exact ties by publication time, then id).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.store import Store

FRESHNESS = 0.01  # what a brand-new paper scores before anyone votes
DAY = 86_400.0


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def decay(moment: datetime, now: datetime, half_life_days: float) -> float:
    """0.5 ** (age in days / half-life); moments in the future count as now."""
    age = max(0.0, (_utc(now) - _utc(moment)).total_seconds() / DAY)
    return float(0.5 ** (age / half_life_days))


def trending_score(vote_times: Sequence[datetime], now: datetime, *,
                   half_life_days: float = 3.0, upstream_upvotes: int | None = None,
                   published: datetime | None = None) -> float:
    """How much a paper is trending at now (see the module docstring for the formula).

    A paper without a publication time gets no upstream or freshness share.
    """
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    local = sum(decay(t, now, half_life_days) for t in vote_times)
    if published is None:
        return local
    paper = decay(published, now, half_life_days)
    return local + (max(upstream_upvotes or 0, 0) + FRESHNESS) * paper


def rank_rows(rows: Iterable[tuple[str, datetime | None, int | None]],
              votes: dict[str, list[datetime]], now: datetime,
              half_life_days: float) -> list[tuple[str, float]]:
    """(id, score) best first for (id, published, upstream upvotes) rows."""
    scored = [(pid, trending_score(votes.get(pid, ()), now, half_life_days=half_life_days,
                                   upstream_upvotes=up, published=pub), pub)
              for pid, pub, up in rows]
    oldest = datetime.min.replace(tzinfo=UTC)
    scored.sort(key=lambda r: (-r[1], -_utc(r[2] or oldest).timestamp(), r[0]))
    return [(pid, score) for pid, score, _ in scored]


def _in_categories(categories: Sequence[str], wanted: Sequence[str]) -> bool:
    wanted_l = [w.lower() for w in wanted]
    return any(c.lower() == w or c.lower().startswith(w + ".")
               for c in categories for w in wanted_l)


def trending(store: Store, now: datetime, *, days: int = 7, limit: int = 30, offset: int = 0,
             half_life_days: float = 3.0, categories: tuple[str, ...] = ()) -> list[Hit]:
    """What is trending at now: papers listed in the last `days` days or voted on in them."""
    since = _utc(now) - timedelta(days=days)
    rows = {pid: (pid, pub, up) for pid, _, pub, up in
            store.listing_rows(since.date(), _utc(now).date(), categories=categories)}
    votes = store.vote_times(since)
    older = [pid for pid in votes if pid not in rows]
    for paper in store.get_papers(older):
        if not categories or _in_categories(paper.categories, categories):
            rows[paper.id] = (paper.id, paper.published, paper.upstream_upvotes)
    ranked = rank_rows(rows.values(), votes, now, half_life_days)
    return hits_for(store, ranked[offset:offset + max(0, limit)])
