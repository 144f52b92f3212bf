"""Collections in the store, on SQLite and PostgreSQL alike: only the owner changes one."""

from __future__ import annotations

import pytest

from paperfeed.errors import NotFound
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.store.social import MAX_NAME_CHARS, MAX_NOTE_CHARS, TooLong


@pytest.fixture
def people(store: Store) -> tuple[int, int]:
    store.upsert_papers([Paper(id=f"p{i}", title=f"Title {i}", abstract="A.") for i in range(4)])
    return store.get_or_create_reader("ada@example.org"), store.get_or_create_reader(
        "bob@example.org")


def test_create_fill_order_and_read(store: Store, people: tuple[int, int]) -> None:
    ada, _ = people
    made = store.create_collection(ada, "  Diffusion\n\treading ")
    assert (made.name, made.public, made.size, made.owner) == ("Diffusion reading", False, 0,
                                                               f"reader-{ada}")
    for pid in ("p2", "p0", "p1"):
        assert store.add_to_collection(ada, made.id, pid) is True
    assert store.add_to_collection(ada, made.id, "p0", "read §3 first") is False  # stays put
    items = store.collection_items(made.id)
    assert [i.paper_id for i in items] == ["p2", "p0", "p1"]
    assert [i.note for i in items] == ["", "read §3 first", ""]
    store.reorder_collection(ada, made.id, ["p1", "p2", "p0"])
    assert [i.paper_id for i in store.collection_items(made.id)] == ["p1", "p2", "p0"]
    with pytest.raises(ValueError, match="every paper"):
        store.reorder_collection(ada, made.id, ["p1", "p2"])
    with pytest.raises(ValueError, match="every paper"):
        store.reorder_collection(ada, made.id, ["p1", "p2", "p2"])
    store.set_item_note(ada, made.id, "p1", "key result")
    assert store.remove_from_collection(ada, made.id, "p2") is True
    assert store.remove_from_collection(ada, made.id, "p2") is False
    assert store.add_to_collection(ada, made.id, "p3") is True  # appended last
    assert [(i.paper_id, i.note) for i in store.collection_items(made.id)] == \
        [("p1", "key result"), ("p0", "read §3 first"), ("p3", "")]
    assert store.get_collection(made.id).size == 3  # type: ignore[union-attr]
    assert [c.id for c in store.reader_collections(ada)] == [made.id]


def test_rename_publish_delete(store: Store, people: tuple[int, int]) -> None:
    ada, _ = people
    made = store.create_collection(ada, "Draft")
    renamed = store.update_collection(ada, made.id, name="Final", public=True)
    assert (renamed.name, renamed.public) == ("Final", True)
    assert store.update_collection(ada, made.id, public=False).public is False
    store.add_to_collection(ada, made.id, "p0")
    assert store.delete_collection(ada, made.id) is True
    assert store.get_collection(made.id) is None and store.collection_items(made.id) == []


def test_only_the_owner_changes_a_collection(store: Store, people: tuple[int, int]) -> None:
    ada, bob = people
    made = store.create_collection(ada, "Mine", public=True)
    store.add_to_collection(ada, made.id, "p0")
    for attempt in (lambda: store.add_to_collection(bob, made.id, "p1"),
                    lambda: store.update_collection(bob, made.id, name="Ours"),
                    lambda: store.set_item_note(bob, made.id, "p0", "hi"),
                    lambda: store.remove_from_collection(bob, made.id, "p0"),
                    lambda: store.reorder_collection(bob, made.id, ["p0"])):
        with pytest.raises(NotFound):
            attempt()
    assert store.delete_collection(bob, made.id) is False
    assert store.get_collection(made.id).name == "Mine"  # type: ignore[union-attr]


def test_caps_and_refusals(store: Store, people: tuple[int, int]) -> None:
    ada, _ = people
    with pytest.raises(TooLong, match=f"at most {MAX_NAME_CHARS}"):
        store.create_collection(ada, "n" * (MAX_NAME_CHARS + 1))
    with pytest.raises(ValueError, match="empty"):
        store.create_collection(ada, " \u202e ")
    made = store.create_collection(ada, "Ok")
    with pytest.raises(TooLong, match=f"at most {MAX_NOTE_CHARS}"):
        store.add_to_collection(ada, made.id, "p0", "x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(NotFound):
        store.add_to_collection(ada, made.id, "nope")
    with pytest.raises(NotFound):
        store.set_item_note(ada, made.id, "p1", "not in it")
    assert store.collection_items(made.id) == []


def test_a_deleted_paper_or_account_leaves_no_trace(store: Store,
                                                    people: tuple[int, int]) -> None:
    ada, bob = people
    mine = store.create_collection(ada, "Mine")
    theirs = store.create_collection(bob, "Theirs")
    store.add_to_collection(bob, theirs.id, "p0")
    assert store.delete_reader(ada)
    assert store.get_collection(mine.id) is None
    assert store.get_collection(theirs.id) is not None


@pytest.mark.postgres
def test_migrate_db_moves_comments_and_collections(tmp_path: object,
                                                   postgres_url: str) -> None:
    from pathlib import Path

    from paperfeed.store import open_store
    from paperfeed.store.migrate_db import migrate_database

    source_url = f"sqlite:///{Path(str(tmp_path)) / 'source.db'}"
    source = open_store(source_url)
    source.upsert_papers([Paper(id="p1", title="T", abstract="A.")])
    ada = source.get_or_create_reader("ada@example.org")
    top = source.add_comment(ada, "p1", "top")
    source.add_comment(ada, "p1", "reply", top.id)
    source.block_reader(ada)
    made = source.create_collection(ada, "List", public=True)
    source.add_to_collection(ada, made.id, "p1", "note")
    source.close()
    counts = {c.table: c.target for c in migrate_database(source_url, postgres_url)}
    assert (counts["comments"], counts["comment_blocks"], counts["collections"],
            counts["collection_items"]) == (2, 1, 1, 1)
    target = open_store(postgres_url)
    try:
        assert [len(c.replies) for c in target.paper_comments("p1")] == [1]
        assert target.collection_items(made.id)[0].note == "note"
        target.block_reader(ada, blocked=False)
        assert target.add_comment(ada, "p1", "after").id > top.id + 1  # ids go on after
        assert target.create_collection(ada, "Next").id > made.id
    finally:
        target.close()
