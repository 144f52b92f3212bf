"""The Store contract: upserts merge, batches are atomic, full text stays in step."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime

import psycopg
import pytest

from paperfeed.errors import StoreError
from paperfeed.models import Author, Paper, UpsertResult, Version
from paperfeed.store import Store, open_store
from paperfeed.store.postgres import PostgresStore
from paperfeed.store.sqlite import SqliteStore

INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


def paper(pid: str = "2401.00001", **kw: object) -> Paper:
    base = Paper(id=pid, title=f"Title {pid}", abstract=f"Abstract of {pid}.",
                 authors=(Author("Ada Lovelace"),), categories=("cs.LG",),
                 published=datetime(2024, 1, 2, tzinfo=UTC))
    return replace(base, **kw)  # type: ignore[arg-type]


def fts_ids(store: Store, word: str) -> list[str]:
    """Ids whose full-text index matches one word, asked of the backend's own index."""
    if isinstance(store, PostgresStore):
        with store.tx() as conn:
            rows = conn.execute("SELECT id FROM papers WHERE search_vector @@ "
                                "plainto_tsquery('english', %s) ORDER BY id", (word,))
            return [r["id"] for r in rows]
    assert isinstance(store, SqliteStore)
    found = store.conn().execute(
        "SELECT p.id FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid "
        "WHERE papers_fts MATCH ? ORDER BY p.id", (word,))
    return [r[0] for r in found]


def test_migrate_is_idempotent(store: Store) -> None:
    assert store.migrate() == []


def test_upsert_counts_new_unchanged_updated(store: Store) -> None:
    assert store.upsert_papers([paper("a"), paper("b")]) == UpsertResult(new=2)
    assert store.upsert_papers([paper("a"), paper("b")]) == UpsertResult(unchanged=2)
    result = store.upsert_papers([paper("a", title="A better title")])
    assert result == UpsertResult(updated=1)
    assert store.count_papers() == 2
    stored = store.get_paper("a")
    assert stored is not None and stored.title == "A better title"


def age_papers(store: Store) -> None:
    """As if the papers had last changed long ago."""
    with store.writing() as conn:  # type: ignore[attr-defined]
        store.run(conn, "UPDATE papers SET modified_at = ?",  # type: ignore[attr-defined]
                  ("2024-01-02T00:00:00+00:00",))


def test_papers_version_moves_with_papers_not_with_votes_or_signals(store: Store) -> None:
    empty = store.papers_version()
    store.upsert_papers([paper("a"), paper("b")])
    assert store.papers_version() != empty
    age_papers(store)
    settled = store.papers_version()
    reader = store.get_or_create_reader("ada@example.org")
    store.toggle_vote(reader, "a")
    store.set_signal(reader, "b", "save")
    store.upsert_papers([paper("a")])  # unchanged
    assert store.papers_version() == settled
    store.upsert_papers([paper("b", title="A better title")])
    changed = store.papers_version()
    assert changed != settled
    store.upsert_papers([paper("a", title="A better title too")])  # within the same second
    assert store.papers_version() != changed


def test_round_trip_keeps_every_field(store: Store) -> None:
    original = paper(
        authors=(Author("Grace Hopper", "Navy"),), categories=("cs.CL", "cs.LG"),
        primary_category="cs.CL", announced=date(2024, 1, 4), doi="10.1/x",
        journal_ref="J. 1", comments="9 pages", license="CC0", url="https://arxiv.org/abs/a",
        pdf_url="https://arxiv.org/pdf/a", code_urls=("https://github.com/o/r",),
        source="arxiv_api", upstream_upvotes=5, github_repo="https://github.com/o/r",
        github_stars=7, ai_keywords=("llm",), version=2,
        versions=(Version(1, datetime(2024, 1, 2, tzinfo=UTC)),
                  Version(2, datetime(2024, 2, 2, tzinfo=UTC))))
    store.upsert_papers([original])
    assert store.get_paper(original.id) == original


def test_newer_version_wins_and_older_only_fills_gaps(store: Store) -> None:
    store.upsert_papers([paper(version=2, title="v2 title", doi=None,
                               versions=(Version(2),))])
    store.upsert_papers([paper(version=1, title="v1 title", doi="10.1/y", upstream_upvotes=3,
                               versions=(Version(1),))])
    stored = store.get_paper("2401.00001")
    assert stored is not None
    assert (stored.title, stored.version, stored.doi) == ("v2 title", 2, "10.1/y")
    assert stored.upstream_upvotes == 3
    assert [v.version for v in stored.versions] == [1, 2]


def test_same_paper_from_two_sources_keeps_upvotes_and_code(store: Store) -> None:
    store.upsert_papers([paper(source="hf_daily", upstream_upvotes=42,
                               code_urls=("https://github.com/a/b",))])
    store.upsert_papers([paper(source="arxiv_api", code_urls=("https://github.com/c/d",),
                               doi="10.9/z")])
    stored = store.get_paper("2401.00001")
    assert stored is not None
    assert stored.upstream_upvotes == 42 and stored.doi == "10.9/z"
    assert set(stored.code_urls) == {"https://github.com/a/b", "https://github.com/c/d"}


def test_failed_batch_leaves_nothing_behind(store: Store) -> None:
    store.upsert_papers([paper("kept")])
    broken = paper("half", title=None)  # type: ignore[arg-type]  # NOT NULL fails mid-batch
    with pytest.raises(INTEGRITY_ERRORS):
        store.upsert_papers([paper("first"), broken])
    assert store.get_paper("first") is None
    assert store.count_papers() == 1
    assert fts_ids(store, "Abstract") == ["kept"]


def test_full_text_follows_inserts_and_updates(store: Store) -> None:
    store.upsert_papers([paper("a", title="Quantum kittens"), paper("b")])
    assert fts_ids(store, "kitten") == ["a"]  # porter stemming
    store.upsert_papers([paper("a", title="Classical puppies")])
    assert fts_ids(store, "kitten") == []
    assert fts_ids(store, "puppies") == ["a"]
    assert fts_ids(store, "lovelace") == ["a", "b"]  # authors are indexed too


def test_sqlite_full_text_index_stays_consistent(sqlite_store: Store) -> None:
    sqlite_store.upsert_papers([paper("a", title="Quantum kittens"), paper("b")])
    sqlite_store.upsert_papers([paper("a", title="Classical puppies")])
    assert isinstance(sqlite_store, SqliteStore)
    assert sqlite_store.conn().execute(
        "INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)") is not None


def test_list_papers_newest_first_with_day_range(store: Store) -> None:
    store.upsert_papers([
        paper("old", published=datetime(2024, 1, 1, tzinfo=UTC)),
        paper("new", published=datetime(2024, 3, 1, tzinfo=UTC)),
        paper("announced", published=datetime(2023, 1, 1, tzinfo=UTC),
              announced=date(2024, 2, 1)),
        paper("undated", published=None),
    ])
    assert [p.id for p in store.list_papers(limit=10)] == ["new", "announced", "old", "undated"]
    window = store.list_papers(limit=10, day_from=date(2024, 1, 15), day_to=date(2024, 2, 15))
    assert [p.id for p in window] == ["announced"]
    assert [p.id for p in store.list_papers(limit=2, offset=1)] == ["announced", "old"]


def test_state_is_remembered(store: Store) -> None:
    assert store.get_state("arxiv:cs.LG") is None
    store.set_state("arxiv:cs.LG", "2024-01-01")
    store.set_state("arxiv:cs.LG", "2024-01-02")
    assert store.get_state("arxiv:cs.LG") == "2024-01-02"


def test_bad_database_location_is_reported(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store("sqlite:////nonexistent-dir/x.db")
