"""The store operations behind the web page: readers, votes, single-use tokens, data version."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from paperfeed.errors import NotFound
from paperfeed.models import Paper
from paperfeed.store import Store


def _paper(pid: str, day: date | None = None) -> Paper:
    published = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return Paper(id=pid, title=f"Title {pid}", abstract="Abstract.", published=published)


def test_a_reader_is_created_once_per_address_whatever_its_case(store: Store) -> None:
    first = store.get_or_create_reader("Ada@Example.org ")
    assert store.get_or_create_reader("ada@example.org") == first
    assert store.get_or_create_reader("bob@example.org") != first


def test_ending_sessions_moves_the_reader_to_a_new_epoch(store: Store) -> None:
    ada, bob = store.get_or_create_reader("ada@example.org"), store.get_or_create_reader("b@x.org")
    assert store.session_epoch(ada) == 0 and store.session_epoch(10**9) is None
    store.end_sessions(ada)
    assert store.session_epoch(ada) == 1 and store.session_epoch(bob) == 0
    store.get_or_create_reader("ada@example.org")  # signing in again keeps the epoch
    assert store.session_epoch(ada) == 1
    assert store.reader_session(ada) == (1, "ada@example.org")
    assert store.reader_session(bob) == (0, "b@x.org") and store.reader_session(10**9) is None


def test_voting_twice_removes_the_vote(store: Store) -> None:
    store.upsert_papers([_paper("p1"), _paper("p2")])
    reader = store.get_or_create_reader("ada@example.org")
    assert store.toggle_vote(reader, "p1") is True
    assert store.has_voted(reader, ["p1", "p2", "nope"]) == {"p1"}
    assert store.toggle_vote(reader, "p1") is False
    assert store.has_voted(reader, ["p1", "p2"]) == set()


def test_one_vote_per_reader_per_paper(store: Store) -> None:
    store.upsert_papers([_paper("p1")])
    ada = store.get_or_create_reader("ada@example.org")
    bob = store.get_or_create_reader("bob@example.org")
    store.toggle_vote(ada, "p1")
    store.toggle_vote(bob, "p1")
    assert store.vote_counts(["p1"]) == {"p1": 2}
    store.toggle_vote(ada, "p1")
    assert store.vote_counts(["p1"]) == {"p1": 1}


def test_voting_for_a_missing_paper_is_not_found(store: Store) -> None:
    reader = store.get_or_create_reader("ada@example.org")
    with pytest.raises(NotFound):
        store.toggle_vote(reader, "no-such-paper")


def test_a_token_nonce_can_be_spent_only_once(store: Store) -> None:
    assert store.spend_token("n-1") is True
    assert store.spend_token("n-1") is False
    assert store.spend_token("n-2") is True


def test_spent_nonces_are_forgotten_once_their_tokens_have_expired(store: Store) -> None:
    assert store.spend_token("n1") and store.spend_token("n2")
    assert store.forget_spent_tokens(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert store.forget_spent_tokens(datetime.now(UTC) + timedelta(seconds=2)) == 2
    assert store.spend_token("n1")  # forgotten: spendable again, but its link has expired


def test_data_version_changes_on_ingest_and_on_votes(store: Store) -> None:
    before = store.data_version()
    assert store.data_version() == before  # stable while nothing changes
    store.upsert_papers([_paper("p1")])
    after_ingest = store.data_version()
    assert after_ingest != before
    store.toggle_vote(store.get_or_create_reader("ada@example.org"), "p1")
    assert store.data_version() != after_ingest


def test_neighbour_days_skip_days_without_papers(store: Store) -> None:
    store.upsert_papers([_paper("a", date(2025, 3, 14)), _paper("b", date(2025, 3, 17)),
                         _paper("c", date(2025, 3, 18)), _paper("undated")])
    assert store.neighbour_days(date(2025, 3, 17)) == (date(2025, 3, 14), date(2025, 3, 18))
    assert store.neighbour_days(date(2025, 3, 15)) == (date(2025, 3, 14), date(2025, 3, 17))
    assert store.neighbour_days(date(2025, 3, 14)) == (None, date(2025, 3, 17))
    assert store.neighbour_days(date(2025, 3, 18)) == (date(2025, 3, 17), None)
