"""Trending: a pure score from votes, upstream upvotes and age, and the trending list.

score = sum over local votes of 0.5 ** (vote age / half-life)
      + upstream upvotes * 0.5 ** (paper age / half-life)   (counted as cast at publication)
      + FRESHNESS * 0.5 ** (paper age / half-life)           (unvoted papers: newest first)
Recent votes weigh more than old ones, old papers fade, and among equal scores the newer
paper comes first (rank_rows breaks exact ties by publication time, then id).

Everything here is pure but trending, which gathers from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from paperfeed.models import Hit, Paper
from paperfeed.rank.hits import hits_for
from paperfeed.store import Store

Row = tuple[str, datetime | None, int | None]  # (id, published, upstream upvotes)
ListingRow = tuple[str, date, datetime | None, int | None]  # (id, day, published, upvotes)

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


def rank_rows(rows: Iterable[Row],
              votes: Mapping[str, Sequence[datetime]], now: datetime,
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


def window_rows(listed: Iterable[ListingRow], voted: Iterable[Paper],
                categories: Sequence[str] = ()) -> list[Row]:
    """The rows trending ranks: the papers listed in the window, and the papers voted on in
    it that were listed before (voted), kept to the categories when any are given."""
    rows = {pid: (pid, pub, up) for pid, _, pub, up in listed}
    for paper in voted:
        if paper.id not in rows and (not categories or
                                     _in_categories(paper.categories, categories)):
            rows[paper.id] = (paper.id, paper.published, paper.upstream_upvotes)
    return list(rows.values())


def since(now: datetime, days: int) -> datetime:
    """Where a window of `days` days ending at now starts."""
    return _utc(now) - timedelta(days=days)


def trending(store: Store, now: datetime, *, days: int = 7, limit: int = 30, offset: int = 0,
             half_life_days: float = 3.0, categories: tuple[str, ...] = ()) -> list[Hit]:
    """Gathers what is trending at now: papers listed in the last `days` days or voted on in
    them, ranked by rank_rows."""
    start = since(now, days)
    listed = store.listing_rows(start.date(), _utc(now).date(), categories=categories)
    votes = store.vote_times(start)
    seen = {row[0] for row in listed}
    older = store.get_papers([pid for pid in votes if pid not in seen])
    ranked = rank_rows(window_rows(listed, older, categories), votes, now, half_life_days)
    return hits_for(store, ranked[offset:offset + max(0, limit)])


@dataclass(frozen=True)
class TrendingList:
    """What the trending page and feed show: hits, and how they were chosen.

    anchored_to: the newest day with papers when that is older than the window (then the
    list is what was trending just after it); newest_instead: no paper in the window had a
    date or a vote, so these are simply the newest papers.
    """

    hits: list[Hit]
    anchored_to: date | None = None
    newest_instead: bool = False


def trending_list(store: Store, now: datetime, *, days: int = 7, limit: int = 30,
                  offset: int = 0, half_life_days: float = 3.0,
                  categories: tuple[str, ...] = ()) -> TrendingList:
    """trending() as the page shows it: on an instance whose newest papers are older than
    the window, ranked as of the day after the newest one; when nothing is in the window,
    the newest papers."""
    newest = store.neighbour_days(_utc(now).date() + timedelta(days=1))[0]
    anchored = newest if newest is not None and newest < _utc(now).date() - timedelta(
        days=days) else None
    if anchored is not None:
        now = datetime.combine(anchored + timedelta(days=1), time(), UTC)
    hits = trending(store, now, days=days, limit=limit, offset=offset,
                    half_life_days=half_life_days, categories=categories)
    if hits or (offset > 0 and trending(store, now, days=days, limit=1,
                                        half_life_days=half_life_days, categories=categories)):
        return TrendingList(hits, anchored)
    if categories:
        return TrendingList([], anchored)
    papers = store.list_papers(limit=limit, offset=offset)
    return TrendingList(hits_for(store, [(p.id, 0.0) for p in papers]), None, bool(papers))
