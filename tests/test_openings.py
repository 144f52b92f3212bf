"""Each paper's opening in stems, stored by `paperfeed index` on both backends
(index/openings.py, store/stems.py): read back as matching would make it, made again when a
paper's text changes or stems are made differently, and never read once stale; and a topic match
decides the same from a stored opening as from the paper's text (rank/match.py)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from conftest import SAMPLE
from paperfeed.index.openings import derive_openings, pending_openings
from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.models import Paper
from paperfeed.rank import match
from paperfeed.rank.match import PaperText
from paperfeed.store import Store
from paperfeed.store.definitions import pack, paper_definitions
from paperfeed.store.shapes import Opening
from paperfeed.store.stems import FORMAT, opening, opening_stems, tokens, unpack
from readerkit import topical_papers
from test_match_shortcuts import LATE, TRICKY, _texts, _topics

EDGES = [("", ""), ("Only a title", ""), ("A title", "no sentence end at all"),
         ("T", "First. Second! Third? Fourth. Fifth."), ("Hyphen-ated", "Well-known co-ops.\n\n")]


def _papers() -> list[Paper]:
    return [r for r in read_jsonl(SAMPLE) if isinstance(r, Paper)]


def test_a_stored_opening_reads_back_as_the_stems_of_the_opening() -> None:
    texts = [*EDGES, *TRICKY, *LATE, *((p.title, p.abstract) for p in _papers())]
    for title, abstract in texts:
        stored = opening_stems(title, abstract)
        made = list(tokens(title, opening(abstract)))
        assert unpack(stored) == made, title
        have = set(made) - {None}
        near = ({s[:-1] for s in have} | {s + "s" for s in have} | {s[1:] for s in have}) - {""}
        assert {s for s in have | near if f" {s} " in stored} == have  # found as stored
    assert any(s.count("\n") == match.OPENING - 1 for s in map(opening_stems, *zip(*texts,
                                                                                 strict=True)))


def test_a_topic_match_decides_from_a_stored_opening_as_from_the_text() -> None:
    texts = [*LATE, *_texts()]
    decided = defining = 0
    for topic in _topics():
        fits = match.Fit(topic)
        for n, (title, abstract) in enumerate(texts):
            paper = PaperText(str(n), title, abstract)
            defines = pack(paper_definitions(title, abstract))
            stored = Opening(opening_stems(title, abstract), defines)
            defining += bool(defines)
            for similarity in (0.05, 0.2, 0.6):  # below, at and above the topic's usual
                expected = match.evidence(topic, paper, similarity).matches
                assert fits.stored(stored, similarity) == expected, (topic.text, title)
                decided += expected
    assert decided > 50 and defining  # topics match; papers define acronyms


def test_index_stores_an_opening_per_paper_and_only_new_or_changed_ones_again(
        store: Store) -> None:
    papers = topical_papers()
    store.upsert_papers(papers)
    ids = [p.id for p in papers]
    assert pending_openings(store) == len(papers)
    assert derive_openings(store, batch=7) == len(papers)
    assert pending_openings(store) == 0 and derive_openings(store) == 0
    stored = store.openings(FORMAT, [*ids, "nope"])
    assert stored == {p.id: Opening(opening_stems(p.title, p.abstract),
                                    pack(paper_definitions(p.title, p.abstract)))
                      for p in papers}
    changed = replace(papers[0], title="Robot grasping with tactile sensors and vision")
    rewritten = replace(papers[1], abstract=papers[1].abstract + " Revised.")
    store.upsert_papers([changed, rewritten, replace(papers[2], categories=("cs.XX",))])
    assert set(ids) - set(store.openings(FORMAT, ids)) == {changed.id, rewritten.id}
    assert pending_openings(store) == 2 and derive_openings(store) == 2
    assert store.openings(FORMAT, [changed.id])[changed.id].stems == \
        opening_stems(changed.title, changed.abstract)
    assert store.openings(FORMAT + 1, ids) == {}  # made another way: read as missing
    assert store.count_pending_openings(FORMAT + 1) == len(papers)


def test_a_run_stopped_midway_keeps_its_batches_newest_first_and_a_rerun_finishes(
        store: Store) -> None:
    papers = topical_papers()
    store.upsert_papers(papers)
    assert derive_openings(store, batch=5, deadline=time.monotonic()) == 0  # no time: none

    def killed(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        derive_openings(store, batch=5, progress=killed)
    newest = sorted(papers, key=lambda p: (p.day is not None, p.day, p.id), reverse=True)
    assert set(store.openings(FORMAT, [p.id for p in papers])) == {p.id for p in newest[:5]}
    assert derive_openings(store, batch=5) == len(papers) - 5
    assert pending_openings(store) == 0


@pytest.mark.parametrize("text", ["visual question answering", "LLM watermarking",
                                  "protein language models", "quarterly reports"])
def test_a_topic_finds_the_same_acronyms_in_stored_definitions_without_reading_papers(
        store: Store, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperfeed.index.build import refresh_vocabulary
    from paperfeed.rank import acronyms
    from paperfeed.rank.query import parse_query
    from test_rank_acronyms import PAPERS

    store.upsert_papers(PAPERS)
    refresh_vocabulary(store)
    words = list(parse_query(text).words)
    counts = store.term_counts(words)
    from_texts = acronyms._aliases(store, words, counts, match.stem)
    derive_openings(store)

    def unread(ids: object) -> dict[str, tuple[str, str]]:
        raise AssertionError("read a paper whose definitions are stored")

    monkeypatch.setattr(store, "texts", unread)
    assert acronyms._aliases(store, words, counts, match.stem) == from_texts
