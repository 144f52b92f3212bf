"""Trending with a frozen clock: recent votes count more, old papers fade, ties go to newer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from paperfeed.errors import NotFound
from paperfeed.models import Paper
from paperfeed.rank.listings import daily, listing
from paperfeed.rank.trending import trending, trending_score
from paperfeed.store import Store
from paperfeed.web import periods

NOW = datetime(2024, 6, 14, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_vote_loses_half_its_weight_every_half_life() -> None:
    assert trending_score([NOW], NOW) == pytest.approx(1.0)
    assert trending_score([ago(3)], NOW) == pytest.approx(0.5)
    assert trending_score([ago(2)], NOW, half_life_days=2.0) == pytest.approx(0.5)


def test_recent_votes_beat_the_same_number_of_old_votes() -> None:
    assert trending_score([ago(0.5)] * 3, NOW) > trending_score([ago(6)] * 3, NOW)
    assert trending_score([ago(1)] * 2, NOW) > trending_score([ago(1)], NOW)


def test_old_papers_fade_and_upstream_upvotes_count_from_publication() -> None:
    fresh = trending_score([], NOW, upstream_upvotes=10, published=ago(1))
    stale = trending_score([], NOW, upstream_upvotes=10, published=ago(20))
    assert fresh > stale > 0
    assert trending_score([], NOW, published=ago(0)) > trending_score([], NOW, published=ago(5))
    assert trending_score([], NOW) == 0.0


def test_future_votes_count_as_now_and_half_life_must_be_positive() -> None:
    assert trending_score([NOW + timedelta(days=1)], NOW) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="half_life"):
        trending_score([NOW], NOW, half_life_days=0)


def paper(pid: str, published: datetime, **kw: object) -> Paper:
    return replace(Paper(id=pid, title=f"Paper {pid}", abstract="Text.", published=published,
                         categories=("cs.LG",)), **kw)  # type: ignore[arg-type]


def vote(store: Store, reader: str, pid: str, when: datetime) -> None:
    """A vote cast at a given moment (the store stamps votes with the real clock)."""
    rid = store.get_or_create_reader(f"{reader}@example.org")
    assert store.toggle_vote(rid, pid)
    conn = store.conn()  # type: ignore[attr-defined]
    conn.execute("UPDATE votes SET created_at = ? WHERE reader_id = ? AND paper_id = ?",
                 (when.isoformat(timespec="seconds"), rid, pid))


@pytest.fixture
def voted(sqlite_store: Store) -> Store:
    store = sqlite_store
    store.upsert_papers([
        paper("old-hot", ago(30)), paper("new-quiet", ago(1)), paper("new-hot", ago(2)),
        paper("mid", ago(3), categories=("q-bio.BM",)),
        paper("hf", ago(2), upstream_upvotes=2, categories=("cs.CL",)),
    ])
    for reader in ("a", "b", "c"):
        vote(store, reader, "new-hot", ago(1))
        vote(store, reader, "old-hot", ago(0.5))
    vote(store, "a", "mid", ago(6))
    return store


def test_trending_orders_by_score_and_reports_votes(voted: Store) -> None:
    hits = trending(voted, NOW, days=7)
    order = [h.paper.id for h in hits]
    assert order == ["old-hot", "new-hot", "hf", "mid", "new-quiet"]
    assert {h.paper.id: h.votes for h in hits}["new-hot"] == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_trending_filters_by_category_and_pages(voted: Store) -> None:
    assert [h.paper.id for h in trending(voted, NOW, categories=("q-bio",))] == ["mid"]
    first, second = trending(voted, NOW, limit=2), trending(voted, NOW, limit=2, offset=2)
    assert not {h.paper.id for h in first} & {h.paper.id for h in second}


def test_equal_scores_put_the_newer_paper_first(sqlite_store: Store) -> None:
    sqlite_store.upsert_papers([paper("older", ago(2)), paper("newer", ago(1))])
    assert [h.paper.id for h in trending(sqlite_store, NOW)] == ["newer", "older"]


def test_daily_weekly_monthly_listings(voted: Store) -> None:
    day = ago(2).date()
    assert {h.paper.id for h in daily(voted, day, now=NOW)} == {"new-hot", "hf"}
    assert daily(voted, day, now=NOW)[0].paper.id == "new-hot"
    year, week, _ = NOW.isocalendar()
    first, last = periods.week(year, week).start, periods.week(year, week).end
    in_week = {h.paper.id for h in listing(voted, first, last, now=NOW, sort="date")}
    assert in_week == {p for p, d in [("new-quiet", ago(1)), ("new-hot", ago(2)),
                                      ("mid", ago(3)), ("hf", ago(2))]
                       if first <= d.date() <= last}
    june, may = periods.month(2024, 6), periods.month(2024, 5)
    month = [h.paper.id for h in listing(voted, june.start, june.end, now=NOW, sort="date")]
    assert month == ["new-quiet", "new-hot", "hf", "mid"]
    assert [h.paper.id for h in listing(voted, may.start, may.end, now=NOW)] == ["old-hot"]


def test_listing_dates_that_do_not_exist(voted: Store) -> None:
    with pytest.raises(NotFound):
        periods.week(2024, 60)
    with pytest.raises(NotFound):
        periods.month(2024, 13)
    assert daily(voted, date(1999, 1, 1), now=NOW) == []
