"""The SQLite batch write path behind imports: staged rows, full text kept in step, text-free
updates that leave the index (and the vectors) alone."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from paperfeed.models import Author, Paper, UpsertResult, Version
from paperfeed.store import Store
from paperfeed.store.sqlite import SqliteStore


def paper(n: int, **kw: object) -> Paper:
    base = Paper(id=f"2401.{n:05d}", title=f"Paper {n} about zebras{n}",
                 abstract=f"Abstract {n}.", authors=(Author(f"Author{n}"),),
                 published=datetime(2024, 1, 2, tzinfo=UTC), versions=(Version(1),))
    return replace(base, **kw)  # type: ignore[arg-type]


def matches(store: SqliteStore, word: str) -> list[str]:
    return [r[0] for r in store.conn().execute(
        "SELECT p.id FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid "
        "WHERE papers_fts MATCH ? ORDER BY p.id", (word,))]


def check_fts(store: SqliteStore) -> None:
    store.conn().execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")


@pytest.fixture
def db(sqlite_store: Store) -> SqliteStore:
    assert isinstance(sqlite_store, SqliteStore)
    return sqlite_store


def test_mixed_batch_counts_each_kind_once(db: SqliteStore) -> None:
    db.upsert_papers([paper(n) for n in range(10)])
    batch = [paper(n) for n in range(5)] + [paper(n, title=f"Renamed {n}") for n in range(5, 8)] \
        + [paper(n) for n in range(10, 14)]
    assert db.upsert_papers(batch) == UpsertResult(new=4, updated=3, unchanged=5)
    assert db.count_papers() == 14
    assert matches(db, "renamed") == ["2401.00005", "2401.00006", "2401.00007"]
    assert matches(db, "zebras5") == []
    check_fts(db)


def test_signal_only_update_leaves_index_and_vectors_alone(db: SqliteStore) -> None:
    db.upsert_papers([paper(1)])
    db.put_embeddings("m", ["2401.00001"], np.ones((1, 4), dtype=np.float32) / 2)
    rowid = db.conn().execute("SELECT rowid FROM papers WHERE id = '2401.00001'").fetchone()[0]
    result = db.upsert_papers([paper(1, upstream_upvotes=9, github_stars=3,
                                     authors=(Author("Author1", "Somewhere"),))])
    assert result == UpsertResult(updated=1)
    stored = db.get_paper("2401.00001")
    assert stored is not None and (stored.upstream_upvotes, stored.github_stars) == (9, 3)
    assert stored.authors == (Author("Author1", "Somewhere"),)
    assert db.embedding_counts() == {"m": 1}  # text unchanged: the vector stays valid
    assert db.conn().execute("SELECT rowid FROM papers WHERE id = '2401.00001'"
                             ).fetchone()[0] == rowid
    assert matches(db, "zebras1") == ["2401.00001"]
    check_fts(db)


def test_version_dates_seen_first_are_kept(db: SqliteStore) -> None:
    db.upsert_papers([paper(1)])
    when = datetime(2024, 1, 1, tzinfo=UTC)
    assert db.upsert_papers([paper(1, versions=(Version(1, when),))]) == UpsertResult(
        unchanged=1)
    stored = db.get_paper("2401.00001")
    assert stored is not None and stored.versions == (Version(1, None),)  # first seen stays


def test_failed_batch_leaves_no_staged_rows_behind(db: SqliteStore) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        db.upsert_papers([paper(1), paper(2, title=None)])
    assert db.upsert_papers([paper(3)]) == UpsertResult(new=1)
    assert [p.id for p in db.list_papers(limit=10)] == ["2401.00003"]
    check_fts(db)
