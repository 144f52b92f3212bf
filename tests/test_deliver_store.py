"""The Store's subscription and digest-send methods (the contract both backends keep)."""

from __future__ import annotations

from datetime import date, timedelta

from digest_data import NOW
from paperfeed.models import Preferences
from paperfeed.store import Store

DAY = date(2026, 3, 10)
PREFS = Preferences(topics=("state space models",), categories=("cs.LG",), frequency="weekly",
                    weekday=2, send_hour=8, timezone="Europe/Paris")


def test_add_subscription_creates_once_and_keeps_the_first(store: Store) -> None:
    sub, created = store.add_subscription("a@example.org", PREFS, status="pending", now=NOW)
    again, created_again = store.add_subscription("a@example.org", Preferences(),
                                                  status="active", now=NOW)
    assert created and not created_again
    assert again == sub
    assert sub.prefs == PREFS and sub.status == "pending" and sub.confirmed_at is None
    assert store.find_subscription("a@example.org") == sub
    assert store.get_subscription(sub.id) == sub


def test_activating_records_confirmation_and_clears_bounces(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="pending", now=NOW)
    store.record_bounce(sub.id, max_bounces=5)
    later = NOW + timedelta(hours=2)
    active = store.set_subscription_status(sub.id, "active", now=later)
    assert active.status == "active" and active.bounces == 0 and active.confirmed_at == later
    again = store.set_subscription_status(sub.id, "active", now=later + timedelta(days=1))
    assert again.confirmed_at == later


def test_list_subscriptions_pages_by_id_and_filters_by_status(store: Store) -> None:
    ids = [store.add_subscription(f"u{i}@example.org", PREFS, status="active" if i % 2 else
                                  "pending", now=NOW)[0].id for i in range(7)]
    first = store.list_subscriptions(limit=3)
    rest = store.list_subscriptions(after_id=first[-1].id, limit=10)
    assert [s.id for s in first + rest] == ids
    assert [s.email for s in store.list_subscriptions(status="active")] == \
        ["u1@example.org", "u3@example.org", "u5@example.org"]


def test_reserving_a_confirmation_allows_one_per_interval(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="pending", now=NOW)
    hour = timedelta(hours=1)
    assert store.reserve_confirmation(sub.id, now=NOW, not_since=NOW - hour)
    soon = NOW + timedelta(minutes=30)
    assert not store.reserve_confirmation(sub.id, now=soon, not_since=soon - hour)
    store.release_confirmation(sub.id, reserved_at=NOW, previous=None)
    assert store.reserve_confirmation(sub.id, now=soon, not_since=soon - hour)
    later = NOW + timedelta(minutes=91)
    assert store.reserve_confirmation(sub.id, now=later, not_since=later - hour)


def test_bounces_stop_an_address_at_the_limit(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="active", now=NOW)
    assert store.record_bounce(sub.id, max_bounces=2).status == "active"
    after = store.record_bounce(sub.id, max_bounces=2)
    assert after.status == "bouncing" and after.bounces == 2


def test_a_digest_can_be_claimed_by_one_worker_only(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="active", now=NOW)
    expires = NOW + timedelta(minutes=10)
    claim = store.claim_digest(sub.id, DAY, worker="w1", now=NOW, expires=expires)
    assert claim is not None and claim.attempts == 1 and claim.message_id is None
    assert store.claim_digest(sub.id, DAY, worker="w2", now=NOW, expires=expires) is None
    assert store.claim_digest(sub.id, DAY + timedelta(days=1), worker="w2", now=NOW,
                              expires=expires) is not None


def test_an_expired_claim_is_taken_over_and_the_old_holder_cannot_commit(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="active", now=NOW)
    old = store.claim_digest(sub.id, DAY, worker="dead", now=NOW,
                             expires=NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=11)
    new = store.claim_digest(sub.id, DAY, worker="alive", now=later,
                             expires=later + timedelta(minutes=10))
    assert old is not None and new is not None and new.attempts == 2
    assert not store.commit_digest(old, message_id="<old@x>", paper_ids=["p1"], now=later)
    assert store.commit_digest(new, message_id="<new@x>", paper_ids=["p1", "p2"], now=later)
    assert store.sent_paper_ids(sub.id) == {"p1", "p2"}
    sub_after = store.get_subscription(sub.id)
    assert sub_after is not None and sub_after.last_digest_date == DAY
    assert store.settled_digests([DAY]) == {(sub.id, DAY)}
    assert store.claim_digest(sub.id, DAY, worker="third", now=later + timedelta(hours=1),
                              expires=later + timedelta(hours=2)) is None


def test_a_failure_undoes_the_commit_and_waits_for_its_retry_time(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="active", now=NOW)
    claim = store.claim_digest(sub.id, DAY, worker="w", now=NOW, expires=NOW + timedelta(hours=1))
    assert claim is not None
    assert store.commit_digest(claim, message_id="<m1@x>", paper_ids=["p1"], now=NOW)
    retry = NOW + timedelta(minutes=5)
    assert store.fail_digest(claim, error="451 later", retry_at=retry, now=NOW)
    assert store.sent_paper_ids(sub.id) == set()
    after = store.get_subscription(sub.id)
    assert after is not None and after.last_digest_date is None
    assert store.settled_digests([DAY]) == set()
    assert store.claim_digest(sub.id, DAY, worker="w", now=NOW + timedelta(minutes=1),
                              expires=retry) is None
    again = store.claim_digest(sub.id, DAY, worker="w2", now=retry, expires=retry + timedelta(1))
    assert again is not None and again.attempts == 2 and again.message_id == "<m1@x>"
    assert store.count_digest_sends(DAY) == {"claimed": 1}


def test_giving_up_and_skipping_settle_a_digest(store: Store) -> None:
    a, _ = store.add_subscription("a@example.org", PREFS, status="active", now=NOW)
    b, _ = store.add_subscription("b@example.org", PREFS, status="active", now=NOW)
    later = NOW + timedelta(hours=1)
    ca = store.claim_digest(a.id, DAY, worker="w", now=NOW, expires=later)
    cb = store.claim_digest(b.id, DAY, worker="w", now=NOW, expires=later)
    assert ca is not None and cb is not None
    assert store.fail_digest(ca, error="550 no such user", retry_at=None, now=NOW)
    assert store.skip_digest(cb, reason="empty", now=NOW)
    assert store.settled_digests([DAY, DAY - timedelta(days=1)]) == {(a.id, DAY), (b.id, DAY)}
    assert store.count_digest_sends() == {"failed": 1, "skipped": 1}


def test_deleting_a_subscription_forgets_its_history(store: Store) -> None:
    sub, _ = store.add_subscription("a@example.org", PREFS, status="active", now=NOW)
    claim = store.claim_digest(sub.id, DAY, worker="w", now=NOW, expires=NOW + timedelta(1))
    assert claim is not None
    store.commit_digest(claim, message_id="<m@x>", paper_ids=["p1"], now=NOW)
    assert store.delete_subscription(sub.id)
    assert store.find_subscription("a@example.org") is None
    assert store.sent_paper_ids(sub.id) == set()
    assert store.count_digest_sends() == {}
