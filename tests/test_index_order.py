"""`paperfeed index` order: vectors first (searchable), then the derived data; within each
step newest listing day first, then the undated papers, each paper once, across batches and
across interrupted (killed) runs; a time budget leaves the rest for later."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from conftest import SAMPLE
from paperfeed.index import keyword_index
from paperfeed.index.build import build_index
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.index.keyword_index import keyword_index_for
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.store.shapes import PendingCursor, TextQuery

DAYS = [date(2026, 8, d) for d in (3, 21, 7, 21, 3, 14, 7)]  # ties on purpose


def _paper(n: int, day: date | None) -> Paper:
    published = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return Paper(id=f"2608.{n:05d}", title=f"Paper {n} on topic {n % 3}",
                 abstract=f"Abstract {n} about gradient methods.", published=published)


@pytest.fixture
def papers(store: Store) -> list[Paper]:
    papers = [_paper(n, day) for n, day in enumerate(DAYS)]
    papers += [_paper(100 + n, None) for n in range(3)]
    store.upsert_papers(papers)
    return papers


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder("minilm-static-256")


def _newest_first(papers: list[Paper]) -> list[str]:
    dated = sorted((p for p in papers if p.day), key=lambda p: (p.day, p.id), reverse=True)
    undated = sorted((p for p in papers if not p.day), key=lambda p: p.id, reverse=True)
    return [p.id for p in dated + undated]


@pytest.mark.parametrize("size", [1, 2, 3, 20])
def test_pending_papers_come_newest_day_first_each_once(store: Store, papers: list[Paper],
                                                         size: int) -> None:
    seen, after = [], None
    while batch := store.pending_embeddings("m", limit=size, after=after):
        assert len(batch) <= size
        seen += [p.id for p in batch]
        after = batch[-1].cursor
    assert seen == _newest_first(papers)


def test_an_interrupted_run_embeds_the_newest_and_a_rerun_the_rest(
        store: Store, papers: list[Paper], embedder: Embedder) -> None:
    order = _newest_first(papers)
    assert build_index(store, embedder, batch_size=2, limit=3).embedded == 3
    assert set(store.get_embeddings(embedder.name, order)) == set(order[:3])
    assert build_index(store, embedder, batch_size=2).embedded == len(order) - 3
    assert set(store.get_embeddings(embedder.name, order)) == set(order)
    assert store.pending_embeddings(embedder.name, limit=10) == []


def test_a_run_stops_when_the_pending_papers_are_done(
        store: Store, papers: list[Paper], embedder: Embedder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing pending: no walk over the papers looking for some; a new day's papers: one
    batch, not a last walk that finds nothing (each walk reads every paper's key)."""
    build_index(store, embedder, steps=("vectors",))
    asked: list[int] = []
    real = store.pending_embeddings

    def counted(*args: object, **kwargs: object) -> object:
        asked.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "pending_embeddings", counted)
    assert build_index(store, embedder, steps=("vectors",)).embedded == 0
    assert asked == []
    store.upsert_papers([_paper(200 + n, date(2026, 8, 22)) for n in range(3)])
    assert build_index(store, embedder, steps=("vectors",)).embedded == 3
    assert asked == [1]
    assert store.count_pending_embeddings(embedder.name) == 0


def test_no_time_left_embeds_nothing_and_loses_nothing(
        store: Store, papers: list[Paper], embedder: Embedder) -> None:
    assert build_index(store, embedder, seconds=0).embedded == 0
    assert store.count_pending_embeddings(embedder.name) == len(papers)
    assert build_index(store, embedder, seconds=3600).embedded == len(papers)


# -- the whole of `paperfeed index`: vectors first, then the derived data, newest first ----


class Interrupted(Exception):
    """Stands for a kill in the middle of a step (the batch in flight is rolled back)."""


def _stop_after(step: str, batches: int, log: list[str]):  # type: ignore[no-untyped-def]
    """An on_step that records the steps in order and interrupts `step` after `batches`."""

    def on_step(name: str, total: int | None):  # type: ignore[no-untyped-def]
        log.append(name)
        seen = [0]

        def advance(papers: int) -> None:
            seen[0] += 1
            if name == step and seen[0] >= batches:
                raise Interrupted(name)

        return advance

    return on_step


def _settled(store: Store, model: str, ids: list[str]) -> None:
    """Everything index makes is there, current, once: a vector, a keyword index entry, an
    opening, a card, a term row."""
    from paperfeed.index.openings import pending_openings
    from paperfeed.index.term_rows import pending_terms
    from paperfeed.store.stems import FORMAT

    assert store.count_pending_embeddings(model) == 0
    assert set(store.get_embeddings(model, ids)) == set(ids)
    index = keyword_index_for(store)
    assert index is not None and len(index) == len(ids)
    assert {pid for pid, _ in index.candidates(["paper"], TextQuery(), 100)} == set(ids)
    assert pending_openings(store) == 0 and set(store.openings(FORMAT, ids)) == set(ids)
    assert store.count_pending_cards() == 0 and set(store.cards(ids)) == set(ids)
    assert pending_terms(store) == 0
    assert store.refresh_vocabulary() == 0


def test_vectors_come_first_and_a_kill_in_any_step_loses_nothing(
        store: Store, papers: list[Paper], embedder: Embedder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyword_index, "THRESHOLD", 1)  # a big archive's keyword index
    monkeypatch.setattr(keyword_index, "BATCH", 3)
    order, ids = _newest_first(papers), [p.id for p in papers]
    log: list[str] = []
    with pytest.raises(Interrupted):  # killed while embedding: no derived data yet
        build_index(store, embedder, batch_size=2, on_step=_stop_after("vectors", 2, log))
    assert log == ["vectors"]
    assert set(store.get_embeddings(embedder.name, order)) == set(order[:4])
    assert store.count_pending_cards() == len(papers)
    log.clear()
    with pytest.raises(Interrupted):  # killed in the keyword index's second batch
        build_index(store, embedder, batch_size=2, on_step=_stop_after("keyword", 2, log))
    assert log == ["vectors", "keyword"]
    assert store.count_pending_embeddings(embedder.name) == 0
    log.clear()
    with pytest.raises(Interrupted):  # killed while deriving cards
        build_index(store, embedder, batch_size=2, on_step=_stop_after("cards", 1, log))
    assert log == ["vectors", "keyword", "openings", "spelling", "cards"]
    log.clear()
    report = build_index(store, embedder, on_step=_stop_after("none", 0, log))
    assert log == ["vectors", "keyword", "openings", "spelling", "cards", "terms"]
    assert report.embedded == 0 and report.term_rows == len(papers)
    _settled(store, embedder.name, ids)
    again = build_index(store, embedder)  # papers changed just before the last read are
    # read again (a transaction may have been open then), and replace their entries
    assert again == type(report)(embedder.name, 0, 0, 0, 0, keyword=again.keyword)
    _settled(store, embedder.name, ids)


def test_term_rows_of_an_interrupted_run_are_the_newest(
        store: Store, papers: list[Paper], monkeypatch: pytest.MonkeyPatch) -> None:
    from paperfeed.index import term_rows
    from paperfeed.index.build import derive

    order = _newest_first(papers)
    monkeypatch.setattr(term_rows, "BATCH", 3)
    with pytest.raises(Interrupted):
        derive(store, steps=["terms"], on_step=_stop_after("terms", 1, []))
    version = store.term_vocabulary_version()
    assert version is not None
    assert set(store.terms_of(version, order)) == set(order[:3])
    rest = store.pending_terms(version, limit=20)
    assert [r[0] for r in rest] == order[3:]
    assert store.pending_terms(version, limit=20, after=rest[1][5])[0][0] == order[5]


def test_cards_of_an_interrupted_run_are_the_newest(store: Store, papers: list[Paper]) -> None:
    from paperfeed.index.derive import derive_cards

    def stop(_: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        derive_cards(store, batch=3, progress=stop)
    order = _newest_first(papers)
    assert set(store.cards(order)) == set(order[:3])
    seen, after = [], None
    while batch := store.pending_cards(limit=2, after=after):
        seen += [p.id for p, _ in batch]
        last = batch[-1][0]
        after = PendingCursor(last.day.isoformat() if last.day else None, last.id)
    assert seen == order[3:]


def test_index_command_shows_each_step_and_runs_again_as_a_no_op(tmp_path: Path) -> None:
    from test_cli import paperfeed

    db = tmp_path / "p.db"
    assert paperfeed("ingest", "jsonl", str(SAMPLE), db=db).returncode == 0
    first = paperfeed("index", "--model", "minilm-static-256", "--only", "vectors", db=db)
    assert first.returncode == 0, first.stderr
    assert "vectors (searchable when done)" in first.stderr and "cards" not in first.stderr
    assert first.stdout.startswith("119 papers embedded") and "0 cards derived" in first.stdout
    second = paperfeed("index", "--model", "minilm-static-256", db=db)
    assert second.returncode == 0, second.stderr
    for label in ("vectors", "openings in stems", "spelling vocabulary", "cards and author keys",
                  "term rows"):
        assert label in second.stderr
    assert second.stdout.startswith("0 papers embedded") and "119 cards derived" in second.stdout
    assert "119 papers' openings stored" in second.stdout
    third = paperfeed("index", "--model", "minilm-static-256", db=db)
    assert "0 cards derived" in third.stdout and "0 term rows stored" in third.stdout
    assert "openings stored" not in third.stdout
