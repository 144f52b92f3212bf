"""PostgreSQL specifics: migrations mirror SQLite's, safe tsquery, pooling, races, migrate-db."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import SAMPLE
from paperfeed.errors import StoreError
from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Author, Paper, Preferences
from paperfeed.store import Store, open_store
from paperfeed.store.base import TextQuery
from paperfeed.store.migrate_db import migrate_database
from paperfeed.store.postgres import PostgresStore
from paperfeed.store.sql.migrations import load_migrations

pytestmark = pytest.mark.postgres
NOW = datetime(2024, 5, 1, 8, tzinfo=UTC)


@pytest.fixture
def pg(postgres_url: str) -> Iterator[PostgresStore]:
    store = open_store(postgres_url, pool_size=4)
    assert isinstance(store, PostgresStore)
    yield store
    store.close()


def _paper(pid: str, title: str = "A title", abstract: str = "An abstract.",
           author: str = "Ada Lovelace") -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, authors=(Author(author),),
                 categories=("cs.LG",), published=datetime(2024, 1, 2, tzinfo=UTC))


def _in_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..n-1) in n threads started together; their results (errors re-raised)."""
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_every_sqlite_migration_has_a_postgres_twin() -> None:
    sqlite = {m.version: m.name for m in load_migrations("sqlite")}
    postgres = {m.version: m.name for m in load_migrations("postgres")}
    assert postgres == sqlite


def test_hostile_words_never_become_tsquery_syntax(pg: PostgresStore) -> None:
    pg.upsert_papers([_paper("a", title="Robust kittens"), _paper("b")])
    for group in [("a'b",), ("x|y",), ("!",), ("<->",), (":*",), ("kitten')&('",), ("",)]:
        query = TextQuery(any_of=(group, ("kittens",)), none_of=(group,), authors=(group,))
        assert isinstance(pg.keyword_search(query, limit=5), list)
    assert pg.keyword_search(TextQuery(any_of=(("kittens",),)), limit=5)[0][0] == "a"


def test_title_outranks_abstract_outranks_authors(pg: PostgresStore) -> None:
    pg.upsert_papers([_paper("in-abstract", abstract="Diffusion of kittens."),
                      _paper("in-authors", author="Kitten Smith"),
                      _paper("in-title", title="Kitten diffusion")])
    hits = pg.keyword_search(TextQuery(any_of=(("kitten",),)), limit=5)
    assert [pid for pid, _ in hits] == ["in-title", "in-abstract", "in-authors"]
    assert all(score > 0 for _, score in hits)


def test_match_counts_follow_inserts_and_updates(pg: PostgresStore) -> None:
    pg.upsert_papers([_paper("a", title="Kittens and puppies"), _paper("b", title="Kitten")])
    assert pg.match_counts(["kitten", "kittens", "puppy", "absent"], cap=10) == {
        "kitten": 2, "kittens": 2, "puppy": 1, "absent": 0}
    pg.upsert_papers([_paper("a", title="Only puppies")])
    assert pg.match_counts(["kitten", "puppies"], cap=10) == {"kitten": 1, "puppies": 1}
    assert pg.match_counts(["kitten", "puppies"], cap=1) == {"kitten": 1, "puppies": 1}


def test_accents_and_stop_words_match_like_sqlite(pg: PostgresStore) -> None:
    pg.upsert_papers([_paper("s", title="Schrödinger bridges"), _paper("t", title="To be")])
    assert [p for p, _ in pg.keyword_search(TextQuery(any_of=(("schrodinger",),)),
                                            limit=5)] == ["s"]
    assert [p for p, _ in pg.keyword_search(TextQuery(all_of=(("to", "be"),)),
                                            limit=5)] == ["t"]


def test_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL") as caught:
        open_store("postgresql://ada:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(caught.value)


def test_a_small_pool_serves_many_threads(postgres_url: str) -> None:
    store = open_store(postgres_url, pool_size=2)
    try:
        store.upsert_papers([_paper("p")])
        assert _in_threads(8, lambda i: store.count_papers()) == [1] * 8
    finally:
        store.close()


def test_concurrent_overlapping_upserts_keep_one_row_each(pg: PostgresStore) -> None:
    batches = [[_paper(f"p{j}", title=f"Title {j} from {i}") for j in range(i, i + 50)]
               for i in range(0, 40, 10)]
    _in_threads(4, lambda i: pg.upsert_papers(batches[i]))
    assert pg.count_papers() == 80
    assert len(pg.keyword_search(TextQuery(any_of=(("title",),)), limit=500)) == 80


def test_racing_votes_and_claims_are_exact(pg: PostgresStore) -> None:
    pg.upsert_papers([_paper("p")])
    readers = [pg.get_or_create_reader(f"r{i}@example.org") for i in range(8)]
    assert all(_in_threads(8, lambda i: pg.toggle_vote(readers[i], "p")))
    assert pg.vote_counts(["p"]) == {"p": 8}
    sub, _ = pg.add_subscription("s@example.org", Preferences(), status="active", now=NOW)
    claims = _in_threads(8, lambda i: pg.claim_digest(
        sub.id, date(2024, 5, 1), worker=f"w{i}", now=NOW, expires=NOW + timedelta(minutes=5)))
    assert sum(c is not None for c in claims) == 1


def test_data_version_moves_after_each_change(pg: PostgresStore) -> None:
    before = pg.data_version()
    pg.upsert_papers([_paper("p")])
    after_paper = pg.data_version()
    pg.toggle_vote(pg.get_or_create_reader("a@example.org"), "p")
    assert len({before, after_paper, pg.data_version()}) == 3
    assert pg.data_version() == pg.data_version()


def test_pgvector_index_answers_like_the_in_memory_index(pg: PostgresStore) -> None:
    from paperfeed.index.vectors import VectorIndex, index_for
    from paperfeed.store.postgres.vectors import PgVectorIndex

    ids = [f"p{i:03d}" for i in range(300)]
    pg.upsert_papers([_paper(pid) for pid in ids])
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((300, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1)[:, None]
    pg.put_embeddings("m", ids, matrix)
    assert pg.build_vector_index("m") is True and pg.build_vector_index("m") is False
    native, memory = index_for(pg, "m"), VectorIndex("m")
    memory.refresh(pg)
    assert isinstance(native, PgVectorIndex) and len(native) == 300 and native.dim == 16
    for row in (0, 7, 123):
        expected = [pid for pid, _ in memory.search(matrix[row], 5)]
        assert [pid for pid, _ in native.search(matrix[row], 5)] == expected
        among = ids[100:200]
        got, want = (dict(i.search(matrix[row], 3, among=among)) for i in (native, memory))
        assert list(got) == list(want) and got == pytest.approx(want, abs=1e-3)
    assert native.scores(matrix[0], ["p000", "p001"]) == pytest.approx(
        memory.scores(matrix[0], ["p000", "p001"]), abs=1e-3)  # (float16 in memory)
    vector = native.vector("p007")
    assert vector is not None and np.allclose(vector, matrix[7])


# -- migrate-db -------------------------------------------------------------------------------

def _fill(store: Store) -> None:
    """An instance with something in every table."""
    import_records(store, read_jsonl(SAMPLE), source="jsonl")
    ids = [p.id for p in store.list_papers(limit=5)]
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(ids), 8)).astype(np.float32)
    store.put_embeddings("test-model", ids, vectors / np.linalg.norm(vectors, axis=1)[:, None])
    while store.refresh_vocabulary(batch=50):
        pass
    ada = store.get_or_create_reader("ada@example.org")
    for pid in ids[:3]:
        store.toggle_vote(ada, pid)
    store.spend_token("nonce-1")
    sub, _ = store.add_subscription("bob@example.org", Preferences(topics=("llm",)),
                                    status="active", now=NOW)
    claim = store.claim_digest(sub.id, date(2024, 5, 1), worker="w", now=NOW,
                               expires=NOW + timedelta(minutes=5))
    assert claim is not None
    store.commit_digest(claim, message_id="<m@x>", paper_ids=ids[:2], now=NOW)
    store.set_state("arxiv:cs.LG", "2024-05-01")


def _snapshot(store: Store) -> dict[str, Any]:
    ids = [p.id for p in store.list_papers(limit=500)]
    sub = store.find_subscription("bob@example.org")
    assert sub is not None
    vectors = store.get_embeddings("test-model", ids)
    return {
        "papers": store.get_papers(ids), "votes": list(store.iter_votes()),
        "vote_counts": store.vote_counts(ids), "subscription": sub,
        "sent": store.sent_paper_ids(sub.id), "sends": store.count_digest_sends(),
        "state": store.get_state("arxiv:cs.LG"), "embeddings": store.embedding_counts(),
        "vectors": {k: np.round(v, 6).tolist() for k, v in vectors.items()},
        "terms": store.term_counts(["learning", "language", "model"]),
        "similar": [t for t, _ in store.similar_terms("lerning", limit=1)],
        "search": [p for p, _ in store.keyword_search(TextQuery(any_of=(("language",),)),
                                                      limit=500)],
        "token_spent": not store.spend_token("nonce-1"),
    }


def test_migrate_db_moves_everything_both_ways(tmp_path: Path, postgres_url: str) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_store(source_url)
    _fill(source)
    expected = _snapshot(source)
    source.close()
    counts = migrate_database(source_url, postgres_url)
    assert {c.table: c.target for c in counts}["papers"] == len(expected["papers"])
    assert all(c.source == c.target for c in counts)
    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    migrate_database(postgres_url, back_url)
    for url in (postgres_url, back_url):
        store = open_store(url)
        try:
            moved = _snapshot(store)
            assert set(moved["search"]) == set(expected["search"])
            assert {k: v for k, v in moved.items() if k != "search"} == \
                {k: v for k, v in expected.items() if k != "search"}
            new_reader = store.get_or_create_reader("new@example.org")  # keys go on after
            assert new_reader > store.get_or_create_reader("ada@example.org")
        finally:
            store.close()


def test_migrate_db_refuses_a_target_that_has_data(tmp_path: Path, pg: PostgresStore) -> None:
    pg.upsert_papers([_paper("already-here")])
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    open_store(source_url).close()
    with pytest.raises(StoreError, match="not empty: papers"):
        migrate_database(source_url, pg.url)


def test_migrate_db_command_prints_matching_counts(tmp_path: Path, postgres_url: str) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env["PAPERFEED_DATABASE_URL"] = source_url
    run = [sys.executable, "-m", "paperfeed"]
    subprocess.run([*run, "ingest", "jsonl", str(SAMPLE)], env=env, check=True,
                   capture_output=True, timeout=120)
    out = subprocess.run([*run, "migrate-db", "--from", source_url, "--to", postgres_url],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "every count matches" in out.stdout
    assert "│ papers " in out.stdout and "│    119 │    119 │" in out.stdout


def test_init_never_prints_the_database_password(postgres_url: str) -> None:
    url = postgres_url.replace("postgres:@", "postgres:s3cret@", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    out = subprocess.run([sys.executable, "-m", "paperfeed", "init"], capture_output=True,
                         text=True, timeout=120, check=False,
                         env={**env, "PAPERFEED_DATABASE_URL": url})
    assert out.returncode == 0, out.stderr
    assert "applied 0001_init" in out.stdout and "postgres:***@" in out.stdout
    assert "s3cret" not in out.stdout + out.stderr
