"""A reader's signals and account in the store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperfeed.errors import NotFound
from paperfeed.models import Paper, Preferences
from paperfeed.store import Store, open_store
from paperfeed.store.sql.migrations import load_migrations


def _paper(pid: str, **fields: object) -> Paper:
    return Paper(id=pid, title=f"Title {pid}", abstract="Abstract.", **fields)  # type: ignore[arg-type]


@pytest.fixture
def ada(store: Store) -> int:
    store.upsert_papers([_paper(f"p{i}") for i in range(1, 6)])
    return store.get_or_create_reader("ada@example.org")


def test_each_signal_is_set_listed_and_cleared(store: Store, ada: int) -> None:
    for kind, pid in (("save", "p1"), ("hide", "p2"), ("more", "p3"), ("less", "p4")):
        assert store.set_signal(ada, pid, kind) is True
        assert store.set_signal(ada, pid, kind) is False  # already set
    store.toggle_vote(ada, "p5")
    signals = store.reader_signals(ada)
    assert signals is not None
    assert (signals.saved, signals.hidden, signals.more, signals.less, signals.upvoted) == \
        (("p1",), ("p2",), ("p3",), ("p4",), ("p5",))
    assert signals.count == 5
    assert store.signal_states(ada, ["p1", "p2", "nope"]) == {"p1": {"save"}, "p2": {"hide"}}
    assert store.set_signal(ada, "p1", "save", on=False) is True
    assert store.set_signal(ada, "p1", "save", on=False) is False
    assert store.reader_signals(ada).saved == ()  # type: ignore[union-attr]


def test_a_signal_takes_back_its_opposite(store: Store, ada: int) -> None:
    store.set_signal(ada, "p1", "hide")
    store.set_signal(ada, "p1", "save")
    assert store.signal_states(ada, ["p1"]) == {"p1": {"save"}}
    store.set_signal(ada, "p1", "more")
    store.set_signal(ada, "p1", "less")
    assert store.signal_states(ada, ["p1"]) == {"p1": {"less"}}


def test_signals_are_private_to_their_reader(store: Store, ada: int) -> None:
    bob = store.get_or_create_reader("bob@example.org")
    store.set_signal(ada, "p1", "save")
    assert store.signal_states(bob, ["p1"]) == {}


def test_a_signal_for_an_unknown_paper_names_it(store: Store, ada: int) -> None:
    with pytest.raises(NotFound, match="nope-1"):
        store.set_signal(ada, "nope-1", "save")
    with pytest.raises(ValueError, match="unknown signal"):
        store.set_signal(ada, "p1", "adore")


def test_every_change_moves_the_signal_version(store: Store, ada: int) -> None:
    versions = [store.reader_signals(ada).version]  # type: ignore[union-attr]
    for change in (lambda: store.set_signal(ada, "p1", "save"),
                   lambda: store.follow_author(ada, "Ada Lovelace"),
                   lambda: store.set_interests(ada, ["state space models"], ["cs.LG"]),
                   lambda: store.add_likes(ada, ["p2"])):
        change()
        versions.append(store.reader_signals(ada).version)  # type: ignore[union-attr]
    assert versions == sorted(set(versions))
    signals = store.reader_signals(ada)
    assert signals is not None
    assert signals.authors == ("Ada Lovelace",) and signals.topics == ("state space models",)
    assert signals.categories == ("cs.LG",) and signals.liked == ("p2",)


def test_likes_are_added_all_or_nothing(store: Store, ada: int) -> None:
    with pytest.raises(NotFound, match="missing"):
        store.add_likes(ada, ["p1", "missing"])
    assert store.reader_signals(ada).liked == ()  # type: ignore[union-attr]
    assert store.add_likes(ada, ["p1", "p2", "p1"]) == 2
    assert store.add_likes(ada, ["p1"]) == 0


def test_a_saved_paper_that_changes_is_on_the_watch_list(store: Store, ada: int) -> None:
    store.set_signal(ada, "p1", "save")
    store.set_signal(ada, "p2", "save")
    assert store.watch_changes(ada) == []
    store.upsert_papers([_paper("p1", version=2, doi="10.1/x",
                                code_urls=("https://github.com/a/b",))])
    [(pid, before, after)] = store.watch_changes(ada)
    assert pid == "p1" and before["version"] == 1 and after["version"] == 2
    assert after["doi"] == "10.1/x" and after["code"] == ["https://github.com/a/b"]
    store.mark_watched(ada, ["p1"])
    assert store.watch_changes(ada) == []
    assert {pid for pid, _ in store.saved_papers(ada)} == {"p1", "p2"}


def test_the_private_feed_token_is_made_once_and_revoked(store: Store, ada: int) -> None:
    assert store.feed_token(ada, create=False) is None
    token = store.feed_token(ada)
    assert token and store.feed_token(ada) == token
    assert store.reader_for_feed(token) == ada
    store.revoke_feed_token(ada)
    assert store.reader_for_feed(token) is None and store.reader_for_feed("") is None
    assert store.feed_token(ada) not in (None, token)


def test_a_subscriber_and_a_reader_with_one_address_are_one_person(store: Store) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    early, _ = store.add_subscription("ada@example.org", Preferences(), status="active",
                                      now=now)
    assert early.reader_id is None
    ada = store.get_or_create_reader("Ada@example.org")
    assert store.subscription_reader(early.id) == ada
    assert store.get_subscription(early.id).reader_id == ada  # type: ignore[union-attr]
    bob = store.get_or_create_reader("bob@example.org")
    late, _ = store.add_subscription("bob@example.org", Preferences(), status="pending",
                                     now=now)
    assert late.reader_id == bob


def test_account_export_has_every_signal_and_delete_removes_them(store: Store,
                                                                ada: int) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    store.add_subscription("ada@example.org", Preferences(topics=("ssm",)), status="active",
                           now=now)
    for kind, pid in (("save", "p1"), ("hide", "p2"), ("more", "p3"), ("less", "p4")):
        store.set_signal(ada, pid, kind)
    store.add_likes(ada, ["p5"])
    store.toggle_vote(ada, "p1")
    store.follow_author(ada, "Grace Hopper")
    store.set_interests(ada, ["protein design"], ["q-bio.BM"])
    data = store.export_reader(ada)
    assert data is not None and data["email"] == "ada@example.org"
    assert {(s["kind"], s["paper_id"]) for s in data["signals"]} == {
        ("save", "p1"), ("hide", "p2"), ("more", "p3"), ("less", "p4"), ("like", "p5")}
    assert [v["paper_id"] for v in data["upvotes"]] == ["p1"]
    assert [a["name"] for a in data["followed_authors"]] == ["Grace Hopper"]
    assert data["topics"] == ["protein design"] and data["categories"] == ["q-bio.BM"]
    assert [s["topics"] for s in data["subscriptions"]] == [["ssm"]]
    assert store.delete_reader(ada) is True
    assert store.reader_signals(ada) is None and store.export_reader(ada) is None
    assert store.find_subscription("ada@example.org") is None
    assert store.vote_counts(["p1"]) == {}
    assert store.delete_reader(ada) is False
    again = store.get_or_create_reader("ada@example.org")
    assert store.reader_signals(again).count == 0  # type: ignore[union-attr]


def test_subscription_exports_leave_the_reader_link_out(store: Store, ada: int) -> None:
    store.add_subscription("ada@example.org", Preferences(), status="active",
                           now=datetime(2026, 3, 1, tzinfo=UTC))
    [row] = store.iter_subscriptions()
    assert "reader_id" not in row
    store.put_subscriptions([replace_email(row, "new@example.org")])
    bob = store.get_or_create_reader("new@example.org")
    assert store.find_subscription("new@example.org").reader_id == bob  # type: ignore[union-attr]


def replace_email(row: dict[str, object], email: str) -> dict[str, object]:
    return row | {"email": email}


def test_the_migration_links_existing_subscribers_to_readers(tmp_path: Path) -> None:
    """A database from before signals: its subscriber and reader become one person."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                 "NULL, applied_at TEXT NOT NULL)")
    for migration in load_migrations("sqlite"):
        if migration.version < 10:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-01-01')",
                         (migration.version, migration.name))
    day = "2026-01-01"
    conn.execute("INSERT INTO readers (email, created_at) VALUES ('ada@example.org', ?)", (day,))
    for email in ("ada@example.org", "bob@example.org"):
        conn.execute("INSERT INTO subscriptions (email, created_at) VALUES (?, ?)", (email, day))
    conn.commit()
    conn.close()
    store = open_store(f"sqlite:///{path}")
    try:
        ada = store.get_or_create_reader("ada@example.org")
        assert store.find_subscription("ada@example.org").reader_id == ada  # type: ignore[union-attr]
        assert store.find_subscription("bob@example.org").reader_id is None  # type: ignore[union-attr]
    finally:
        store.close()
