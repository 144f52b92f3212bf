"""Composing digests: one round's store reads, gathered once, fed to the shared ranking.

One Composer serves one sending round. Subscribers with the same window, topics and
categories ask the same questions, so each answer (a trending window, a topic's search, a
paper, its votes) is gathered once per round and handed to paperfeed.rank's pure functions
(rank_rows, window_rows, blend, to_hits). Papers and votes are treated as fixed for the round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from paperfeed.config import Settings
from paperfeed.deliver.digest import pick, take, window_days
from paperfeed.errors import NotFound
from paperfeed.index.embedder import Embedder
from paperfeed.models import (
    Digest,
    Hit,
    Paper,
    Preferences,
    ReaderSignals,
    ReplyNote,
    Subscription,
)
from paperfeed.rank.foryou import blend, depth_for, newest_source, topic_source
from paperfeed.rank.hits import to_hits
from paperfeed.rank.match import only_matching
from paperfeed.rank.personal import reader_feed
from paperfeed.rank.query import parse_query
from paperfeed.rank.search import DEPTH, MAX_DEPTH, SearchFilters, search_ranked
from paperfeed.rank.trending import rank_rows, since, window_rows
from paperfeed.rank.watch import watch_list
from paperfeed.store import Store
from paperfeed.store.base import TextQuery

__all__ = ["Composer", "as_of"]

Ranked = list[tuple[str, float]]
MAX_REPLIES, REPLY_CHARS = 20, 500  # replies per digest, characters of each shown


def as_of(day: date, now: datetime) -> datetime:
    """The moment a digest for day ranks at: now, or the end of day for a past day."""
    end = datetime.combine(day + timedelta(days=1), time(), UTC)
    return min(now.astimezone(UTC), end)


class Composer:
    """Picks each subscriber's papers: trending since the last digest, then "for you"."""

    def __init__(self, store: Store, settings: Settings, *, now: datetime,
                 embedder: Embedder | None = None) -> None:
        self.store = store
        self.settings = settings
        self.now = now
        self.embedder = embedder
        self._trending: dict[tuple[datetime, int, tuple[str, ...]], list[Hit]] = {}
        self._votes_since: dict[datetime, dict[str, list[datetime]]] = {}
        self._searches: dict[tuple[str, tuple[str, ...], date, int], Ranked] = {}
        self._topics: dict[tuple[str, tuple[str, ...], date, int], Ranked] = {}
        self._matching: dict[tuple[str, tuple[str, ...], date, int], Ranked] = {}
        self._allowed: dict[tuple[tuple[str, ...], date], frozenset[str]] = {}
        self._papers: dict[str, Paper | None] = {}
        self._votes: dict[str, int] = {}

    def compose(self, sub: Subscription, day: date) -> Digest:
        """The digest sub gets for day (papers already sent to sub are left out)."""
        s = self.settings
        already = self.store.sent_paper_ids(sub.id)
        moment = as_of(day, self.now)
        window = window_days(sub, day)
        reader = self._reader(sub)
        hidden = set(reader.negatives) if reader is not None else set()
        trending = self.trending(moment, window, sub.prefs.categories)
        top = take(trending, s.digest_trending_count, set(already) | hidden)
        mine: list[Hit] = []
        if reader is not None and s.digest_for_you_count:
            # the reader's own model (rank/personal.py), as on their /for-you page
            mine = reader_feed(self.store, reader, since=(moment - timedelta(days=window))
                               .date(), until=moment.date(), limit=s.digest_for_you_count,
                               exclude=already | {h.paper.id for h in top},
                               embedder=self.embedder)
        elif s.digest_for_you_count and (sub.prefs.topics or sub.prefs.categories):
            # counted back from the ranking moment, not from the subscriber's local date,
            # which east of UTC is ahead of the newest listing day
            start = moment - timedelta(days=window)
            mine = self.for_you(sub.prefs, start.date(), already | {h.paper.id for h in top})
        digest = pick(sub, day, trending=top, for_you=mine, already_sent=already,
                      trending_count=s.digest_trending_count,
                      for_you_count=s.digest_for_you_count)
        digest = replace(digest, replies=self.replies(sub, moment - timedelta(days=window)))
        if reader is None:
            return digest
        return replace(digest, reader_id=reader.reader_id,
                       updates=tuple(watch_list(self.store, reader.reader_id)))

    def replies(self, sub: Subscription, since: datetime) -> tuple[ReplyNote, ...]:
        """Replies to the subscriber's comments since `since`, if they asked for them."""
        reader_id = sub.reader_id if sub.reader_id is not None else \
            self.store.subscription_reader(sub.id)
        if reader_id is None:
            return ()
        try:
            if not self.store.reader_profile(reader_id)[1]:
                return ()
        except NotFound:
            return ()
        found = self.store.replies_to(reader_id, since)[:MAX_REPLIES]
        papers = self.papers([c.paper_id for c in found])
        return tuple(ReplyNote(paper=papers[c.paper_id], author=c.author,
                               text=c.body[:REPLY_CHARS], comment_id=c.id)
                     for c in found if c.paper_id in papers)

    def _reader(self, sub: Subscription) -> ReaderSignals | None:
        """The signals of the reader this subscriber is (same address), with the
        subscription's topics and categories added; None without any signal."""
        reader_id = sub.reader_id if sub.reader_id is not None else \
            self.store.subscription_reader(sub.id)
        found = self.store.reader_signals(reader_id) if reader_id is not None else None
        if found is None or found.count == 0:
            return None
        return replace(found, topics=tuple(dict.fromkeys(found.topics + sub.prefs.topics)),
                       categories=found.categories or sub.prefs.categories)

    def trending(self, moment: datetime, days: int, categories: tuple[str, ...]) -> list[Hit]:
        """The trending list for a window (as rank.trending.trending ranks it), once a round."""
        key = (moment, days, categories)
        if key not in self._trending:
            start = since(moment, days)
            listed = self.store.listing_rows(start.date(), moment.date(), categories=categories)
            if start not in self._votes_since:
                self._votes_since[start] = self.store.vote_times(start)
            votes = self._votes_since[start]
            seen = {row[0] for row in listed}
            older = self.papers([pid for pid in votes if pid not in seen])
            ranked = rank_rows(window_rows(listed, older.values(), categories), votes, moment,
                               self.settings.trending_half_life_days)
            depth = self.settings.digest_trending_count * 4 + 20  # room for already-sent ones
            self._trending[key] = self.hits(ranked[:depth])
        return self._trending[key]

    def for_you(self, prefs: Preferences, day: date, exclude: set[str]) -> list[Hit]:
        """The "for you" papers listed since day (as rank.foryou.for_you picks them)."""
        limit = self.settings.digest_for_you_count
        depth = depth_for(limit)
        sources = [topic_source(t, self.matching(t, prefs.categories, day, depth))
                   for t in prefs.topics if t.strip()]
        if not sources and prefs.categories:
            newest = self.search("", prefs.categories, day, depth)
            sources = [newest_source(prefs.categories, newest)]
        picked = blend(sources, exclude, limit)
        return self.hits([(pid, score) for pid, score, _ in picked],
                         reasons={pid: reason for pid, _, reason in picked})

    def matching(self, topic: str, categories: tuple[str, ...], day: date,
                 depth: int) -> Ranked:
        """The first depth papers of a topic's ranking that match it (as rank.foryou keeps
        them: among the first DEPTH ranked), once a round."""
        key = (topic, categories, day, depth)
        if key not in self._matching:
            ranked = self.topic(topic, categories, day, max(depth, DEPTH))
            papers = self.papers([pid for pid, _ in ranked])
            self._matching[key] = only_matching(self.store, topic, ranked, self.embedder,
                                                papers)[:depth]
        return self._matching[key]

    def topic(self, topic: str, categories: tuple[str, ...], day: date, depth: int) -> Ranked:
        """A topic's keyword ranking in the categories since day, the first depth rows.

        Every category choice shares one search without categories, kept to the papers the
        store says are in them: the same rows in the same order whenever that search was
        complete (dense rankings and topics naming categories are searched as they are).
        """
        key = (topic, categories, day, depth)
        if key not in self._topics:
            self._topics[key] = self._topic(topic, categories, day, depth)
        return self._topics[key]

    def _topic(self, topic: str, categories: tuple[str, ...], day: date, depth: int) -> Ranked:
        if categories and self.embedder is None and not parse_query(topic).categories:
            everything = self.search(topic, (), day, MAX_DEPTH)
            if len(everything) < MAX_DEPTH:
                allowed = self.in_categories(categories, day)
                return [row for row in everything if row[0] in allowed][:depth]
        return self.search(topic, categories, day, depth)

    def search(self, query: str, categories: tuple[str, ...], day: date, depth: int) -> Ranked:
        """rank.search's ranking of query in the categories since day, once a round."""
        key = (query, categories, day, depth)
        if key not in self._searches:
            filters = SearchFilters(categories=categories, date_from=day)
            ranked, _ = search_ranked(self.store, query, filters=filters, need=depth,
                                      embedder=self.embedder)
            self._searches[key] = ranked[:depth]
        return self._searches[key]

    def in_categories(self, categories: tuple[str, ...], day: date) -> frozenset[str]:
        """The ids of the papers in the categories listed since day, once a round."""
        key = (categories, day)
        if key not in self._allowed:
            query = TextQuery(categories=categories, date_from=day)
            self._allowed[key] = frozenset(self.store.filter_ids(query))
        return self._allowed[key]

    def papers(self, ids: Sequence[str]) -> dict[str, Paper]:
        """The papers of ids that exist, each read once a round."""
        missing = [pid for pid in dict.fromkeys(ids) if pid not in self._papers]
        if missing:
            found = {p.id: p for p in self.store.get_papers(missing)}
            self._papers.update((pid, found.get(pid)) for pid in missing)
        return {pid: p for pid in ids if (p := self._papers[pid]) is not None}

    def hits(self, ranked: Ranked, reasons: Mapping[str, str] | None = None) -> list[Hit]:
        """to_hits over papers and vote counts read once a round."""
        papers = self.papers([pid for pid, _ in ranked])
        unvoted = [pid for pid in papers if pid not in self._votes]
        if unvoted:
            counts = self.store.vote_counts(unvoted)
            self._votes.update((pid, counts.get(pid, 0)) for pid in unvoted)
        return to_hits(ranked, papers, self._votes, reasons)
