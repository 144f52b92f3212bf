"""The store's rate limiter: a sliding window per key, shared by every process, on both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from paperfeed.store import Store, open_store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def other(database_url: str, store: Store) -> Iterator[Store]:
    """A second store on the same database: what another web process holds."""
    second = open_store(database_url, migrate=False)
    yield second
    second.close()


def test_a_key_gets_its_limit_then_waits_for_the_oldest_hit(store: Store) -> None:
    hits = [store.hit_limit("k", limit=3, window=MINUTE, now=T0 + timedelta(seconds=s))
            for s in (0, 10, 20)]
    assert hits == [None, None, None]
    assert store.hit_limit("k", limit=3, window=MINUTE,
                           now=T0 + timedelta(seconds=30)) == pytest.approx(30.0)
    # refused hits are not counted: the oldest still leaves at 60 s
    assert store.hit_limit("k", limit=3, window=MINUTE,
                           now=T0 + timedelta(seconds=59)) == pytest.approx(1.0)
    assert store.hit_limit("k", limit=3, window=MINUTE,
                           now=T0 + timedelta(seconds=60)) is None


def test_keys_are_counted_apart_and_forgetting_frees_one(store: Store) -> None:
    assert store.hit_limit("signin:a", limit=1, window=MINUTE, now=T0) is None
    assert store.hit_limit("signin:b", limit=1, window=MINUTE, now=T0) is None
    assert store.hit_limit("signin:a", limit=1, window=MINUTE, now=T0) is not None
    store.forget_hits("signin:a")
    assert store.hit_limit("signin:a", limit=1, window=MINUTE, now=T0) is None
    assert store.hit_limit("signin:b", limit=1, window=MINUTE, now=T0) is not None


def test_another_process_sees_the_same_count(store: Store, other: Store) -> None:
    assert store.hit_limit("mail:x", limit=2, window=MINUTE, now=T0) is None
    assert other.hit_limit("mail:x", limit=2, window=MINUTE, now=T0) is None
    assert store.hit_limit("mail:x", limit=2, window=MINUTE, now=T0) is not None
    assert other.hit_limit("mail:x", limit=2, window=MINUTE, now=T0) is not None


def test_racing_hits_never_share_the_last_slot(store: Store, other: Store) -> None:
    allowed: list[bool] = []
    lock = threading.Lock()

    def hit(s: Store) -> None:
        ok = s.hit_limit("race", limit=5, window=MINUTE, now=T0) is None
        with lock:
            allowed.append(ok)

    threads = [threading.Thread(target=hit, args=(s,)) for s in [store, other] * 10]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 5 and len(allowed) == 20


def test_expired_hits_are_dropped_from_the_table(store: Store) -> None:
    for i in range(5):
        store.hit_limit(f"old{i}", limit=1, window=MINUTE, now=T0)
    store.hit_limit("new", limit=1, window=MINUTE, now=T0 + 2 * MINUTE)
    assert store.count_rows("limit_hits") == 1


def test_a_nonsense_limit_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.hit_limit("k", limit=0, window=MINUTE, now=T0)
