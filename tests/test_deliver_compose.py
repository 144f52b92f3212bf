"""Composing digests with the shared ranking code: the round's shared reads change no answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digest_data import NOW, seed
from paperfeed.config import Settings
from paperfeed.deliver.compose import Composer
from paperfeed.deliver.digest import pick, take, window_days
from paperfeed.models import Digest, Preferences, Subscription
from paperfeed.rank.foryou import for_you
from paperfeed.rank.trending import trending
from paperfeed.store import Store

CASES = [
    Preferences(topics=("in-context learning",)),
    Preferences(topics=("transformers", "speech -recognition"), categories=("cs.CL",)),
    Preferences(categories=("stat.ML", "cs.LG")),
    Preferences(categories=("cs",)),  # an archive: every cs.* category
    Preferences(topics=("learning",), categories=("cs.LG",), frequency="weekly"),
    Preferences(),
]


def _shape(digest: Digest) -> list[tuple[str, str, str | None]]:
    return [("trending", h.paper.id, h.reason) for h in digest.trending] + \
        [("for you", h.paper.id, h.reason) for h in digest.for_you]


@pytest.fixture
def subs(store: Store) -> list[Subscription]:
    seed(store)
    return [store.add_subscription(f"r{i}@example.org", prefs, status="active", now=NOW)[0]
            for i, prefs in enumerate(CASES)]


def _plain(store: Store, settings: Settings, sub: Subscription) -> Digest:
    """The digest from rank's own gatherers, every read straight from the store."""
    day, n = NOW.date(), settings.digest_trending_count
    window = window_days(sub, day)
    top = take(trending(store, NOW, days=window, limit=n * 4 + 20,
                        categories=sub.prefs.categories,
                        half_life_days=settings.trending_half_life_days), n, set())
    mine = for_you(store, topics=sub.prefs.topics, categories=sub.prefs.categories,
                   exclude={h.paper.id for h in top}, since=NOW - timedelta(days=window),
                   limit=settings.digest_for_you_count) \
        if sub.prefs.topics or sub.prefs.categories else []
    return pick(sub, day, trending=top, for_you=mine, already_sent=set(), trending_count=n,
                for_you_count=settings.digest_for_you_count)


def test_a_round_picks_exactly_what_the_store_itself_gives(
        store: Store, settings: Settings, subs: list[Subscription]) -> None:
    composer = Composer(store, settings, now=NOW)
    for sub in subs * 2:  # the second pass is answered from the round's reads
        assert _shape(composer.compose(sub, NOW.date())) == _shape(_plain(store, settings, sub))


def test_the_digest_is_the_shared_ranking_minus_what_was_sent(
        store: Store, settings: Settings, subs: list[Subscription]) -> None:
    sub = subs[1]
    digest = Composer(store, settings, now=NOW).compose(sub, NOW.date())
    expected_top = trending(store, NOW, days=1, limit=settings.digest_trending_count,
                            categories=("cs.CL",), half_life_days=settings.trending_half_life_days)
    assert [h.paper.id for h in digest.trending] == [h.paper.id for h in expected_top]
    mine = for_you(store, topics=sub.prefs.topics, categories=sub.prefs.categories,
                   exclude={h.paper.id for h in expected_top}, since=NOW - timedelta(days=1),
                   limit=settings.digest_for_you_count)
    assert [(h.paper.id, h.reason) for h in digest.for_you] == \
        [(h.paper.id, h.reason) for h in mine]
    assert all(h.paper.categories == ("cs.CL",) for h in digest.for_you)
    assert any(h.reason == "matches topic 'transformers'" for h in digest.for_you)


def test_a_subscriber_east_of_utc_gets_the_newest_papers(
        store: Store, settings: Settings, subs: list[Subscription]) -> None:
    tokyo, _ = store.add_subscription("tokyo@example.org", Preferences(
        topics=("in-context learning",), timezone="Asia/Tokyo"), status="active", now=NOW)
    late = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # already the 11th in Tokyo
    digest = Composer(store, settings, now=late).compose(tokyo, late.date() + timedelta(1))
    assert digest.for_you and digest.trending
