"""The reader's model's term features: a vocabulary fitted on the store and each paper's row,
stored by `paperfeed index` on both backends and read back per process (index/term_rows.py)."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from paperfeed.index import term_rows
from paperfeed.index.term_rows import build_terms, term_index
from paperfeed.index.terms import Vocabulary, fit_vocabulary, pack, paper_text, unpack_many
from paperfeed.store import Store
from readerkit import topical_papers


def texts(papers: list) -> list[str]:  # type: ignore[type-arg]
    return [paper_text(p.title, p.abstract, p.author_names) for p in papers]


def test_rows_are_unit_tf_idf_and_survive_storage() -> None:
    papers = topical_papers()
    vocabulary = fit_vocabulary(texts(papers))
    rows = vocabulary.rows(texts(papers))
    assert np.allclose(np.sqrt(rows.multiply(rows).sum(axis=1)), 1.0, atol=1e-5)
    back = unpack_many([pack(rows[i]) for i in range(rows.shape[0])], len(vocabulary))
    assert abs(back - rows).max() < 1e-3  # float16 weights
    again = Vocabulary.loads(vocabulary.dumps())
    assert again.terms == vocabulary.terms and abs(again.rows(texts(papers)) - rows).max() == 0
    grasp = vocabulary.topic_columns("robot grasping")
    assert len(grasp) == 3  # "robot", "grasping", "robot grasping"
    assert set(grasp.tolist()) <= set(rows[0].indices.tolist())


def test_index_stores_a_row_per_paper_and_only_new_or_changed_ones_again(store: Store) -> None:
    papers = topical_papers()
    store.upsert_papers(papers)
    assert build_terms(store) == len(papers)
    version = store.term_vocabulary_version()
    assert version is not None and build_terms(store) == 0
    changed = replace(papers[0], title="Robot grasping with tactile sensors and vision")
    store.upsert_papers([changed])
    assert build_terms(store) == 1
    assert set(store.terms_of(version, [p.id for p in papers])) == {p.id for p in papers}
    assert build_terms(store, refit=True) == len(papers)
    assert store.term_vocabulary_version() == version + 1


def test_a_process_reads_stored_rows_in_the_order_asked(store: Store) -> None:
    papers = topical_papers()
    store.upsert_papers(papers)
    build_terms(store)
    index = term_index(store)
    asked = ["protein-1", "nope", "robot-2"]
    got = index.get(store, asked)
    assert got.ids == ["protein-1", "robot-2"]
    by_id = {p.id: p for p in papers}
    expected = index.vocabulary.rows(texts([by_id["protein-1"], by_id["robot-2"]]))
    assert abs(got.rows - expected).max() < 1e-3
    store.upsert_papers([replace(papers[0], id="robot-new", title="A new robot paper")])
    assert term_index(store).get(store, ["robot-new"]).rows.nnz  # not stored yet: computed


def test_a_store_nobody_indexed_fits_a_vocabulary_in_process(store: Store) -> None:
    store.upsert_papers(topical_papers())
    term_rows._caches.clear()
    got = term_index(store).get(store, ["robot-0", "protein-0"])
    assert store.term_vocabulary_version() is None
    similarity = (got.rows @ got.rows.T).toarray()
    assert isinstance(got.rows, sp.csr_matrix) and similarity[0, 1] < 0.5


def test_a_store_bigger_than_the_sample_is_not_refitted_every_run(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = topical_papers()
    monkeypatch.setattr(term_rows, "FIT_SAMPLE", len(papers) // 4)  # a big store's sample
    store.upsert_papers(papers)
    assert build_terms(store) == len(papers)
    version = store.term_vocabulary_version()
    assert build_terms(store) == 0 and store.term_vocabulary_version() == version


def test_a_due_refit_waits_for_a_run_with_the_time(store: Store) -> None:
    papers = topical_papers()
    half = len(papers) // 2
    store.upsert_papers(papers[:half])
    build_terms(store)
    current = store.term_vocabulary()
    assert current is not None and Vocabulary.loads(current[1]).seconds > 0
    slow = replace(Vocabulary.loads(current[1]), seconds=3600.0)  # its fit took an hour
    store.put_term_vocabulary(slow.dumps(), slow.papers)
    assert build_terms(store) == half  # the same vocabulary again: every row anew
    version = store.term_vocabulary_version()
    store.upsert_papers(papers[half:])  # the store doubles: a refit is due
    assert build_terms(store, deadline=time.monotonic() + 60) == len(papers) - half
    assert store.term_vocabulary_version() == version  # postponed; the new papers have rows
    assert build_terms(store) == len(papers)  # no deadline: refitted, every row anew
    assert store.term_vocabulary_version() == version + 1
