"""The keyword index (index/keyword_index.py): what a web process reads between the index
step's runs, whose index it trusts, and when search goes back to the database's full text.
Search's behaviour with the index is covered by tests/test_search_keyword.py, which runs
every keyword test both ways."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from paperfeed.index import keyword_index, keyword_layout
from paperfeed.index.keyword_index import keyword_index_for, update_keyword_index
from paperfeed.models import Paper
from paperfeed.rank.search import SearchFilters, search
from paperfeed.store import Store
from paperfeed.store.shapes import TextQuery


def paper(n: int, title: str, day: date = date(2026, 3, 2), **kw: object) -> Paper:
    base = Paper(id=f"2603.{n:05d}", title=title, abstract=f"Abstract of paper {n}.",
                 categories=("cs.LG",), published=datetime(day.year, day.month, day.day,
                                                           tzinfo=UTC))
    return replace(base, **kw)  # type: ignore[arg-type]


def found(store: Store, query: str, **kw: object) -> list[str]:
    return [h.paper.id for h in search(store, query, mode="keyword", **kw).hits]  # type: ignore[arg-type]


@pytest.fixture
def indexed(store: Store) -> Store:
    store.upsert_papers([paper(1, "Tokenizers for protein language models"),
                         paper(2, "Graph rewiring against oversquashing"),
                         paper(3, "Protein folding with graph networks", categories=("q-bio.BM",),
                               day=date(2026, 3, 9), code_urls=("https://github.com/x/y",))])
    assert update_keyword_index(store, threshold=0) == 3
    return store


def test_papers_written_after_the_index_step_are_found_until_it_runs_again(
        indexed: Store) -> None:
    indexed.upsert_papers([paper(4, "Oversquashing in message passing")])
    indexed.upsert_papers([paper(1, "Byte-level vocabularies for protein models")])
    assert set(found(indexed, "oversquashing")) == {"2603.00002", "2603.00004"}
    assert found(indexed, "tokenizers") == []  # the paper's new title, not its indexed one
    assert found(indexed, "vocabularies") == ["2603.00001"]
    update_keyword_index(indexed, threshold=0)
    index = keyword_index_for(indexed)
    assert index is not None and len(index) == 4  # replaced, not added twice
    assert found(indexed, "vocabularies") == ["2603.00001"]


def test_filters_are_answered_by_the_index(indexed: Store) -> None:
    index = keyword_index_for(indexed)
    assert index is not None

    def ids(query: TextQuery) -> set[str]:
        return {pid for pid, _ in index.candidates(["protein", "graph"], query, 10)}

    assert ids(TextQuery()) == {"2603.00001", "2603.00002", "2603.00003"}
    assert ids(TextQuery(categories=("q-bio",))) == {"2603.00003"}
    assert ids(TextQuery(categories=("cs.LG", "q-bio.BM"))) == ids(TextQuery())
    assert ids(TextQuery(date_from=date(2026, 3, 3))) == {"2603.00003"}
    assert ids(TextQuery(date_to=date(2026, 3, 2))) == {"2603.00001", "2603.00002"}
    assert ids(TextQuery(has_code=True)) == {"2603.00003"}
    assert found(indexed, "protein", filters=SearchFilters(categories=("cs.LG",))) == \
        ["2603.00001"]


def test_papers_found_another_way_get_the_score_the_candidates_would_give_them(
        indexed: Store) -> None:
    indexed.upsert_papers([paper(4, "Protein design with diffusion")])  # in the tail
    indexed.upsert_papers([paper(1, "Byte-level vocabularies")])  # its indexed text is stale
    index = keyword_index_for(indexed)
    assert index is not None
    words = ["protein", "graph"]
    ranked = dict(index.candidates(words, TextQuery(), 10))
    assert set(ranked) == {"2603.00002", "2603.00003", "2603.00004"}
    ids = ["2603.00001", "2603.00002", "2603.00003", "2603.00004", "2603.99999"]
    scores = index.scores(words, ids)
    assert scores == {**ranked, "2603.00001": 0.0, "2603.99999": 0.0}
    assert scores["2603.00003"] > scores["2603.00002"] > 0  # both words beat one
    assert index.scores(["unheard"], ids) == dict.fromkeys(ids, 0.0)


def test_a_word_in_most_papers_is_left_out_when_the_rarer_ones_fill_the_candidates(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    titles = ["Protein models", "Graph models", "Sparse models", "Protein folding"]
    store.upsert_papers([paper(n, title) for n, title in enumerate(titles, 1)])
    assert update_keyword_index(store, threshold=0) == 4
    index = keyword_index_for(store)
    assert index is not None
    words = ["protein", "models"]  # "models": 3 of 4 papers, the most postings, least weight
    every = {"2603.00001", "2603.00002", "2603.00003", "2603.00004"}
    assert {pid for pid, _ in index.candidates(words, TextQuery(), 10)} == every  # too few
    monkeypatch.setattr(keyword_index, "MAX_CANDIDATES", 2)  # protein's papers fill them
    ranked = dict(index.candidates(words, TextQuery(), 10))
    assert set(ranked) == {"2603.00001", "2603.00004"}
    assert index.scores(words, [*ranked, "2603.00002"]) == {**ranked, "2603.00002": 0.0}
    assert len(index.candidates(["models"], TextQuery(), 10)) == 2  # alone, it is asked


def test_a_new_paper_scores_the_same_in_the_tail_as_in_the_files(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyword_layout, "SETTLE_SECONDS", 0)  # the tail: new papers only
    titles = ["Protein design kits", "Graph rewiring methods", "Protein folding graphs",
              "Sparse attention models", "Graph rewiring tricks"]  # one length: one norm
    store.upsert_papers([paper(n, title) for n, title in enumerate(titles[:4], 1)])
    assert update_keyword_index(store, threshold=0) == 4
    store.upsert_papers([paper(5, titles[4])])
    index = keyword_index_for(store)
    assert index is not None and index._tail[1] == {"2603.00005"}
    words, ids = ["rewiring", "graph", "tricks"], ["2603.00002", "2603.00005"]
    in_tail = index.scores(words, ids)
    assert dict(index.candidates(words, TextQuery(), 10))["2603.00005"] == in_tail["2603.00005"]
    assert update_keyword_index(store, threshold=0) == 1
    index = keyword_index_for(store)
    assert index is not None and index._tail[1] == frozenset() and len(index) == 5
    in_files = index.scores(words, ids)
    assert in_tail == pytest.approx(in_files, rel=1e-4)  # a rare word weighs the same


def test_a_web_process_reads_another_process_s_commit_after_a_while_and_misses_nothing(
        indexed: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    index = keyword_index_for(indexed)
    assert index is not None
    monkeypatch.setattr(keyword_index, "_forget", lambda path: None)  # as in another process
    indexed.upsert_papers([paper(4, "Oversquashing in message passing")])
    assert update_keyword_index(indexed, threshold=0) >= 1  # (settling: see Mark.resume)
    assert keyword_index_for(indexed) is index and len(index) == 3  # the mark is not read yet
    assert set(found(indexed, "oversquashing")) == {"2603.00002", "2603.00004"}  # the tail
    monkeypatch.setattr(keyword_index, "LOOK_SECONDS", 0.0)
    assert keyword_index_for(indexed) is index and len(index) == 4
    assert set(found(indexed, "oversquashing")) == {"2603.00002", "2603.00004"}


def test_a_tail_longer_than_a_process_indexes_sends_search_to_the_database(
        indexed: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyword_index, "TAIL", 4)  # the 3 just indexed are read again too
    indexed.upsert_papers([paper(4, "Oversquashing in message passing")])
    assert keyword_index_for(indexed) is not None  # (settling: see Mark.resume)
    indexed.upsert_papers([paper(5, "Curvature and oversquashing")])
    assert keyword_index_for(indexed) is None
    assert set(found(indexed, "oversquashing")) == {"2603.00002", "2603.00004", "2603.00005"}


def test_an_index_left_by_another_database_at_the_same_url_is_not_read(
        indexed: Store) -> None:
    indexed.set_state(keyword_layout.STATE_KEY, "another")  # as a recreated database would
    keyword_index._cache.clear()
    assert keyword_index_for(indexed) is None
    assert found(indexed, "oversquashing") == ["2603.00002"]  # the database's full text
    assert update_keyword_index(indexed, threshold=0) == 3  # rebuilt from nothing
    index = keyword_index_for(indexed)
    assert index is not None and len(index) == 3


def test_no_index_below_the_threshold_and_none_written_twice_at_once(store: Store) -> None:
    store.upsert_papers([paper(1, "A paper")])
    assert update_keyword_index(store, threshold=2) == 0
    assert keyword_index_for(store) is None
    path = keyword_layout.index_dir(store)
    path.mkdir(parents=True)
    holder = keyword_layout.open_index(path, create=True).writer(heap_size=15_000_000)
    assert update_keyword_index(store, threshold=0) == 0  # another process is writing it
    del holder
    assert update_keyword_index(store, threshold=0) == 1


def test_each_host_keeps_its_own_copy_of_one_database_s_index(
        indexed: Store, tmp_path_factory: pytest.TempPathFactory) -> None:
    other_host = tmp_path_factory.mktemp("other-host")
    assert update_keyword_index(indexed, threshold=0, cache_dir=other_host) == 3
    here, there = keyword_index_for(indexed), keyword_index_for(indexed, other_host)
    assert here is not None and there is not None  # neither copy disowns the other
    assert len(here) == len(there) == 3


def test_similar_papers_are_found_by_the_index_not_the_full_text(
        indexed: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperfeed.rank.similar import similar

    def full_text(*args: object, **kw: object) -> object:
        raise AssertionError("a big archive's similar papers read the database's full text")

    monkeypatch.setattr(indexed, "keyword_search", full_text)
    monkeypatch.setattr(indexed, "match_counts", full_text)
    found = [h.paper.id for h in similar(indexed, "2603.00001", limit=5)]
    assert found[0] == "2603.00003"  # protein, the rarer shared word, first
    assert "2603.00001" not in found
