"""Comments, moderation and reader profiles in the store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperfeed.errors import NotFound
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.store.social import MAX_COMMENT_CHARS, Blocked, TooLong


@pytest.fixture
def people(store: Store) -> tuple[int, int]:
    store.upsert_papers([Paper(id=f"p{i}", title=f"Title {i}", abstract="A.") for i in (1, 2)])
    return store.get_or_create_reader("ada@example.org"), store.get_or_create_reader(
        "bob@example.org")


def test_a_thread_has_comments_with_one_level_of_replies(store: Store,
                                                         people: tuple[int, int]) -> None:
    ada, bob = people
    first = store.add_comment(ada, "p1", "  First **post**\r\n ")
    assert first.body == "First **post**" and first.parent_id is None
    assert first.author == f"reader-{ada}"  # never the address
    reply = store.add_comment(bob, "p1", "A reply", first.id)
    deeper = store.add_comment(ada, "p1", "A reply to the reply", reply.id)
    assert deeper.parent_id == first.id  # joins the thread: one level only
    second = store.add_comment(bob, "p1", "Second")
    thread = store.paper_comments("p1")
    assert [c.id for c in thread] == [first.id, second.id]
    assert [r.id for r in thread[0].replies] == [reply.id, deeper.id]
    assert store.comment_counts(["p1", "p2", "nope"]) == {"p1": 4}
    assert store.paper_comments("p2") == []


def test_refusals_name_the_problem(store: Store, people: tuple[int, int]) -> None:
    ada, _ = people
    with pytest.raises(TooLong, match=f"at most {MAX_COMMENT_CHARS} characters"):
        store.add_comment(ada, "p1", "x" * (MAX_COMMENT_CHARS + 1))
    with pytest.raises(ValueError, match="empty"):
        store.add_comment(ada, "p1", " \n\x00 ")
    with pytest.raises(NotFound):
        store.add_comment(ada, "nope", "hello")
    other = store.add_comment(ada, "p2", "elsewhere")
    with pytest.raises(NotFound):  # a parent under another paper
        store.add_comment(ada, "p1", "hello", other.id)
    assert store.comment_counts(["p1"]) == {}


def test_only_the_author_edits_and_deletes(store: Store, people: tuple[int, int]) -> None:
    ada, bob = people
    mine = store.add_comment(ada, "p1", "typo")
    with pytest.raises(NotFound):
        store.edit_comment(bob, mine.id, "hijacked")
    assert store.delete_comment(bob, mine.id) is False
    edited = store.edit_comment(ada, mine.id, "fixed")
    assert edited.body == "fixed" and edited.edited_at is not None
    assert store.delete_comment(ada, mine.id) is True
    assert store.get_comment(mine.id) is None  # no replies: gone


def test_a_deleted_comment_with_replies_keeps_its_place(store: Store,
                                                        people: tuple[int, int]) -> None:
    ada, bob = people
    top = store.add_comment(ada, "p1", "secret first thoughts")
    store.add_comment(bob, "p1", "I disagree", top.id)
    assert store.delete_comment(ada, top.id) is True
    kept = store.paper_comments("p1")[0]
    assert kept.deleted and kept.body == "" and len(kept.replies) == 1
    assert store.comment_counts(["p1"]) == {"p1": 1}
    with pytest.raises(NotFound):
        store.edit_comment(ada, top.id, "back")
    assert store.delete_comment(ada, top.id) is False


def test_moderators_hide_comments_and_block_readers(store: Store,
                                                    people: tuple[int, int]) -> None:
    ada, bob = people
    spam = store.add_comment(bob, "p1", "buy now")
    assert store.hide_comment(spam.id) is True and store.hide_comment(spam.id) is False
    hidden = store.paper_comments("p1")[0]
    assert hidden.hidden and hidden.body == "buy now"  # kept for the author and moderators
    assert store.comment_counts(["p1"]) == {}
    assert store.hide_comment(spam.id, hidden=False) is True
    assert store.comment_counts(["p1"]) == {"p1": 1}
    assert store.block_reader(bob) is True and store.block_reader(bob) is False
    assert store.is_blocked(bob) and not store.is_blocked(ada)
    with pytest.raises(Blocked):
        store.add_comment(bob, "p1", "again")
    assert store.block_reader(bob, blocked=False) is True
    store.add_comment(bob, "p1", "sorry")


def test_replies_to_a_reader_since_a_moment(store: Store, people: tuple[int, int]) -> None:
    ada, bob = people
    before = datetime.now(UTC) - timedelta(seconds=2)
    top = store.add_comment(ada, "p1", "question")
    store.add_comment(ada, "p1", "my own follow-up", top.id)  # not a reply *to* ada
    answer = store.add_comment(bob, "p1", "answer", top.id)
    hidden = store.add_comment(bob, "p1", "rude", top.id)
    store.hide_comment(hidden.id)
    assert [c.id for c in store.replies_to(ada, before)] == [answer.id]
    assert store.replies_to(ada, datetime.now(UTC) + timedelta(minutes=1)) == []
    assert store.replies_to(bob, before) == []


def test_the_reader_profile(store: Store, people: tuple[int, int]) -> None:
    ada, _ = people
    assert store.reader_profile(ada) == (None, False)
    store.set_reader_profile(ada, "  Ada\n Lovelace ", True)
    assert store.reader_profile(ada) == ("Ada Lovelace", True)
    assert store.add_comment(ada, "p1", "hi").author == "Ada Lovelace"
    with pytest.raises(TooLong):
        store.set_reader_profile(ada, "A" * 41, False)
    with pytest.raises(ValueError, match="kept for readers"):
        store.set_reader_profile(ada, "reader-7", False)
    store.set_reader_profile(ada, None, False)
    assert store.reader_profile(ada) == (None, False)
    with pytest.raises(NotFound):
        store.reader_profile(10_000)


def test_deleting_a_paper_or_an_account_deletes_its_comments(store: Store,
                                                             people: tuple[int, int]) -> None:
    ada, bob = people
    top = store.add_comment(ada, "p1", "mine")
    store.add_comment(bob, "p1", "reply", top.id)
    store.add_comment(bob, "p2", "bob's own")
    assert store.delete_reader(ada)
    assert store.paper_comments("p1") == []  # the reply went with its thread
    assert store.comment_counts(["p2"]) == {"p2": 1}
