"""Composing digests with the shared ranking code (trending, for you) over memoised store reads.

One Composer serves one sending round: every subscriber with the same topic, categories and
window asks the store the same questions, so the store's answers are kept for the round.
The ranking itself is paperfeed.rank's, called unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from paperfeed.config import Settings
from paperfeed.deliver.digest import pick, take, window_days
from paperfeed.models import Digest, Hit, Paper, Subscription
from paperfeed.store import Store
from paperfeed.store.base import TextQuery

# Everything ranking asks the store is a read whose answer depends only on its arguments
# while one round composes (papers and votes are treated as fixed for the round); these are
# the exceptions, passed through untouched.
NOT_MEMOISED = frozenset({"conn", "write", "close", "migrate", "data_version"})

DEEP = 2000  # rows of a category-free recent search kept to serve every category choice

__all__ = ["CachedReads", "Composer", "as_of"]


def _key(value: Any) -> Any:
    """A hashable stand-in for an argument (lists and sets become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(value))
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    return value


class CachedReads:
    """A Store whose ranking reads are answered from memory after the first time."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._memo: dict[Any, Any] = {}
        self._papers: dict[str, Paper | None] = {}
        self._votes: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name in NOT_MEMOISED or name.startswith("_") or not callable(attr):
            return attr
        return self._memoised(name, attr)

    def _memoised(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            key = (name, _key(args), _key(kwargs))
            if key not in self._memo:
                self._memo[key] = method(*args, **kwargs)
            return copy.copy(self._memo[key])
        return call

    def keyword_search(self, query: TextQuery, *, limit: int, offset: int = 0,
                       within: Sequence[str] | None = None,
                       order: str = "relevance") -> list[tuple[str, float]]:
        """As the store answers it. A recent query restricted to categories is answered from
        the same query without them (shared by every category choice, so asked once) kept
        to the ids the store says pass the categories in that window: the same rows in the
        same order, whenever the unrestricted answer was complete."""
        search = self._memoised("keyword_search", self._store.keyword_search)
        if within is None and query.categories and query.date_from is not None:
            everything = search(replace(query, categories=()), limit=DEEP, order=order)
            if len(everything) < DEEP:
                allowed = self._in_categories(query)
                kept = [row for row in everything if row[0] in allowed]
                return kept[offset:offset + limit]
        return list(search(query, limit=limit, offset=offset, within=within, order=order))

    def _in_categories(self, query: TextQuery) -> frozenset[str]:
        key = ("categories", query.categories, query.date_from, query.date_to)
        if key not in self._memo:
            self._memo[key] = frozenset(self._store.filter_ids(TextQuery(
                categories=query.categories, date_from=query.date_from,
                date_to=query.date_to)))
        found: frozenset[str] = self._memo[key]
        return found

    def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        missing = [pid for pid in dict.fromkeys(paper_ids) if pid not in self._papers]
        if missing:
            found = {p.id: p for p in self._store.get_papers(missing)}
            self._papers.update((pid, found.get(pid)) for pid in missing)
        return [p for pid in dict.fromkeys(paper_ids) if (p := self._papers[pid]) is not None]

    def vote_counts(self, paper_ids: Sequence[str]) -> dict[str, int]:
        missing = [pid for pid in paper_ids if pid not in self._votes]
        if missing:
            counts = self._store.vote_counts(missing)
            self._votes.update((pid, counts.get(pid, 0)) for pid in missing)
        return {pid: n for pid in paper_ids if (n := self._votes[pid])}


def as_of(day: date, now: datetime) -> datetime:
    """The moment a digest for day ranks at: now, or the end of day for a past day."""
    end = datetime.combine(day + timedelta(days=1), time(), UTC)
    return min(now.astimezone(UTC), end)


class Composer:
    """Picks each subscriber's papers: trending since the last digest, then "for you"."""

    def __init__(self, store: Store, settings: Settings, *, now: datetime,
                 embedder: Any = None) -> None:
        self.store = store
        self.reads = cast(Store, CachedReads(store))
        self.settings = settings
        self.now = now
        self.embedder = embedder
        self._trending: dict[tuple[datetime, int, tuple[str, ...]], list[Hit]] = {}

    def compose(self, sub: Subscription, day: date) -> Digest:
        """The digest sub gets for day (papers already sent to sub are left out)."""
        from paperfeed.rank.foryou import for_you

        s = self.settings
        already = self.store.sent_paper_ids(sub.id)
        moment = as_of(day, self.now)
        window = window_days(sub, day)
        trending = self.trending(moment, window, sub.prefs.categories)
        top = take(trending, s.digest_trending_count, set(already))
        mine: list[Hit] = []
        if s.digest_for_you_count and (sub.prefs.topics or sub.prefs.categories):
            # counted back from the ranking moment, not from the subscriber's local date,
            # which east of UTC is ahead of the newest listing day
            start = moment - timedelta(days=window)
            mine = for_you(self.reads, topics=sub.prefs.topics,
                           categories=sub.prefs.categories,
                           exclude=already | {h.paper.id for h in top}, since=start,
                           limit=s.digest_for_you_count, embedder=self.embedder)
        return pick(sub, day, trending=top, for_you=mine, already_sent=already,
                    trending_count=s.digest_trending_count,
                    for_you_count=s.digest_for_you_count)

    def trending(self, moment: datetime, days: int, categories: tuple[str, ...]) -> list[Hit]:
        """The trending list for a window, computed once per round."""
        from paperfeed.rank.trending import trending

        key = (moment, days, categories)
        if key not in self._trending:
            depth = self.settings.digest_trending_count * 4 + 20  # room for already-sent ones
            self._trending[key] = trending(
                self.reads, moment, days=days, limit=depth, categories=categories,
                half_life_days=self.settings.trending_half_life_days)
        return self._trending[key]
