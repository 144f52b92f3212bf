"""Bulk writes of rendered rows: the SQLite full-text backlog (papers wait, then are indexed
in one statement), kept consistent by every other write, and the same rows on both backends."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperfeed.models import Author, Paper, UpsertResult, Version
from paperfeed.store import Store, open_store
from paperfeed.store.records import render_paper, rendered_to_paper
from paperfeed.store.sqlite import SqliteStore
from paperfeed.store.sqlite import papers as sqlite_papers  # sqlite_papers.FTS_CHUNK: per test


def paper(n: int, **kw: object) -> Paper:
    base = Paper(id=f"2401.{n:05d}", title=f"Paper {n} about zebras{n}",
                 abstract=f"Abstract {n}.", authors=(Author(f"Author{n}", "Lab"),),
                 published=datetime(2024, 1, 2, tzinfo=UTC), versions=(Version(1),),
                 categories=("cs.LG",))
    return replace(base, **kw)  # type: ignore[arg-type]


def matches(store: SqliteStore, word: str) -> list[str]:
    return [r[0] for r in store.conn().execute(
        "SELECT p.id FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid "
        "WHERE papers_fts MATCH ? ORDER BY p.id", (word,))]


def backlog(store: SqliteStore) -> int | None:
    row = store.conn().execute("SELECT done FROM papers_fts_backlog").fetchone()
    return None if row is None else int(row[0])


def check_fts(store: SqliteStore) -> None:
    """The index holds exactly the papers it should: all of them, or those up to the backlog
    (checked on a copy whose backlog is caught up)."""
    copy = sqlite3.connect(":memory:")
    store.conn().backup(copy)
    copy.execute("BEGIN")
    sqlite_papers.catch_up(copy)
    copy.execute("COMMIT")
    copy.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
    copy.close()
    if backlog(store) is None:
        store.conn().execute("INSERT INTO papers_fts(papers_fts, rank) VALUES "
                             "('integrity-check', 1)")


@pytest.fixture
def db(sqlite_store: Store) -> SqliteStore:
    assert isinstance(sqlite_store, SqliteStore)
    return sqlite_store


def test_rendered_rows_round_trip_to_the_same_paper() -> None:
    original = paper(1, comments="with a \x00 NUL", code_urls=("https://github.com/a/b",))
    assert rendered_to_paper(render_paper(original)) == replace(original, comments="with a  NUL")


def test_bulk_papers_wait_for_the_index_then_are_found(db: SqliteStore) -> None:
    db.upsert_papers([paper(0)])
    assert db.upsert_rows([render_paper(paper(n)) for n in range(1, 6)], bulk=True) == \
        UpsertResult(new=5)
    assert backlog(db) == 1  # paper 0 was indexed row by row; the rest wait
    assert matches(db, "zebras3") == []
    check_fts(db)
    db.finish_bulk()
    assert backlog(db) is None
    assert matches(db, "zebras3") == ["2401.00003"]
    check_fts(db)


def test_backlog_is_indexed_once_it_fills_a_chunk(db: SqliteStore,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_papers, "FTS_CHUNK", 10)
    db.upsert_rows([render_paper(paper(n)) for n in range(6)], bulk=True)
    assert backlog(db) == 0
    db.upsert_rows([render_paper(paper(n)) for n in range(6, 12)], bulk=True)
    assert backlog(db) is None  # 12 waiting >= 10: indexed with that batch
    assert matches(db, "zebras11") == ["2401.00011"]
    check_fts(db)


def test_other_writes_keep_a_backlog_consistent(db: SqliteStore) -> None:
    db.upsert_rows([render_paper(paper(n)) for n in range(4)], bulk=True)
    renamed = [render_paper(paper(n, title=f"Renamed giraffe{n}")) for n in (1, 2)]
    assert db.upsert_rows(renamed, bulk=True) == UpsertResult(updated=2)
    with db.write() as conn:  # a waiting paper may go, unindexed
        conn.execute("DELETE FROM papers WHERE id = '2401.00003'")
    check_fts(db)
    assert db.upsert_papers([paper(9)]) == UpsertResult(new=1)  # a normal write catches up
    assert backlog(db) is None
    assert matches(db, "giraffe1") == ["2401.00001"]
    assert matches(db, "zebras1 OR zebras3") == []
    assert matches(db, "zebras0 OR zebras9") == ["2401.00000", "2401.00009"]
    check_fts(db)


def test_same_paper_twice_in_rows_merges_first(store: Store) -> None:
    old, new = paper(5, code_urls=("https://github.com/a/b",)), paper(5, version=2,
                                                                       title="Second try")
    assert store.upsert_rows([render_paper(old), render_paper(new)], bulk=True) == \
        UpsertResult(new=1)
    store.finish_bulk()
    stored = store.get_paper("2401.00005")
    assert stored is not None
    assert (stored.title, stored.version, stored.code_urls) == (
        "Second try", 2, ("https://github.com/a/b",))
    assert store.upsert_rows([render_paper(new)]) == UpsertResult(unchanged=1)


def test_papers_a_killed_import_left_waiting_are_indexed_when_the_store_is_opened(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    first = open_store(url)
    assert isinstance(first, SqliteStore)
    first.upsert_rows([render_paper(paper(n)) for n in range(1, 4)], bulk=True)  # no finish_bulk
    assert backlog(first) is not None and matches(first, "zebras2") == []
    first.close()
    reopened = open_store(url)
    assert isinstance(reopened, SqliteStore)
    assert backlog(reopened) is None and matches(reopened, "zebras2") == ["2401.00002"]
    check_fts(reopened)
