"""SQLite keeps vectors in pages of their own rows, not in overflow pages: the size of the
file per vector, and the migration of a database written with the older table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from paperfeed.models import Paper
from paperfeed.store import open_store
from paperfeed.store.sql.migrations import load_migrations
from paperfeed.store.sqlite import connection

DIM = 256


def vectors(n: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, DIM))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def papers(n: int) -> list[Paper]:
    return [Paper(id=f"2401.{i:05d}", title=f"Paper {i}", abstract=f"About thing {i}.")
            for i in range(n)]


def pages(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(conn.execute("PRAGMA page_count").fetchone()[0]) * int(
            conn.execute("PRAGMA page_size").fetchone()[0])


def test_a_vector_costs_little_more_than_its_bytes(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    store = open_store(f"sqlite:///{db}")
    store.upsert_papers(papers(2000))
    before = pages(db)
    for start in range(0, 2000, 500):  # in batches, as `paperfeed index` stores them
        store.put_embeddings("m", [f"2401.{i:05d}" for i in range(start, start + 500)],
                             vectors(500, seed=start))
    store.close()
    per_vector = (pages(db) - before) / 2000
    assert DIM * 4 < per_vector < 1.6 * DIM * 4  # (an overflow page each: over 4 KB)


def test_vectors_of_an_older_database_survive_the_move(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = tmp_path / "old.db", f"sqlite:///{tmp_path / 'old.db'}"
    every = connection.load_migrations
    monkeypatch.setattr(connection, "load_migrations",
                        lambda backend: [m for m in every(backend) if m.version < 18])
    old = open_store(url)
    old.upsert_papers(papers(300))
    ids = [f"2401.{i:05d}" for i in range(300)]
    old.put_embeddings("m", ids[:200], vectors(200))
    old.put_embeddings("m", ids[200:], vectors(100, seed=1))
    old.put_embeddings("other", ids[:10], vectors(10, seed=2))
    seen, _, mark = old.embeddings_since("m")
    old.close()
    monkeypatch.setattr(connection, "load_migrations", every)
    with sqlite3.connect(db) as conn:
        assert "WITHOUT ROWID" in conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'embeddings'").fetchone()[0]
    store = open_store(url)
    again, matrix, again_mark = store.embeddings_since("m")
    assert again == seen and again_mark == mark == 300  # same rows, same order and numbers
    assert np.allclose(matrix[250], vectors(100, seed=1)[50])
    assert set(store.get_embeddings("other", ids)) == set(ids[:10])
    store.put_embeddings("m", [ids[5]], vectors(1, seed=3))  # replaced: the next number
    assert store.embeddings_since("m", mark)[0] == [ids[5]]
    store.upsert_papers([Paper(id=ids[7], title="A new title", abstract="About thing 7.")])
    assert ids[7] not in store.get_embeddings("m", ids)  # the stale-vector trigger is back
    store.close()
    assert max(m.version for m in load_migrations("sqlite")) >= 18
    with sqlite3.connect(db) as conn:
        assert "WITHOUT ROWID" not in conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'embeddings'").fetchone()[0]
