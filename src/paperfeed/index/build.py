"""`paperfeed index` and the worker's embed step: make new papers searchable, then derive the
rest, each step newest first, resumable and bounded in time.

The order matters for a big import (years of papers at once): vectors come first, so the
whole archive is searchable (full text is written by the import itself) after the fastest
step; then the keyword index (index/keyword_index.py: full-text candidates that stay fast at
scale, minutes for millions of papers, in the order they changed), each paper's opening in
stems (index/openings.py: what topic matches read, minutes too), the spelling vocabulary
(rarity for keyphrases and spelling fixes), the cards and author keys (index/derive.py) and
the reader's model's term rows (index/term_rows.py), which take hours for millions of papers.
Every batch of every step is its own transaction, so a run killed at any point keeps its work
and the next run goes on from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from paperfeed.index import STEPS
from paperfeed.index.derive import derive_cards
from paperfeed.index.embedder import Embedder, paper_text
from paperfeed.index.keyword_index import pending_keyword, update_keyword_index
from paperfeed.index.openings import derive_openings, pending_openings
from paperfeed.index.term_rows import build_terms, pending_terms
from paperfeed.index.vectors import save_graph
from paperfeed.store import Store

__all__ = ["STEPS", "Derived", "IndexReport", "build_index", "derive", "embed_pending",
           "refresh_vocabulary"]

Progress = Callable[[int], None]  # called with how many papers a step just did
StepStart = Callable[[str, int | None], Progress]  # (step, papers to do) -> its progress
BATCH_SIZE = 64


@dataclass(frozen=True)
class IndexReport:
    """What one index run did."""

    model: str
    embedded: int
    vocabulary_papers: int
    cards: int = 0  # papers whose card text and author keys were derived
    term_rows: int = 0  # papers whose term rows were stored (the reader's model)
    per_model: tuple[tuple[str, int], ...] = ()  # a blend's papers embedded by each model
    keyword: int = 0  # papers added to the keyword index
    openings: int = 0  # papers whose opening stems were stored (topic matches)


class Derived(NamedTuple):
    """What the derived steps did: papers added to each."""

    keyword: int = 0  # the keyword index
    vocabulary_papers: int = 0  # the spelling vocabulary
    cards: int = 0  # cards and author keys
    term_rows: int = 0  # the reader's model's term rows
    openings: int = 0  # the openings' stems


def refresh_vocabulary(store: Store, *, deadline: float | None = None,
                       progress: Progress | None = None) -> int:
    """Bring the spelling vocabulary up to date (until deadline, time.monotonic()); return
    how many papers were counted."""
    total = 0
    while (deadline is None or time.monotonic() < deadline) and (
            counted := store.refresh_vocabulary()):
        total += counted
        if progress is not None:
            progress(counted)
    return total


def embed_pending(store: Store, embedder: Embedder, *, batch_size: int = BATCH_SIZE,
                  limit: int | None = None, deadline: float | None = None,
                  progress: Progress | None = None) -> int:
    """Embed papers that have no vector from this embedder yet, newest listing day first,
    at most limit or until deadline; how many were embedded."""
    done, after = 0, None
    while (limit is None or done < limit) and (deadline is None or time.monotonic() < deadline):
        size = batch_size if limit is None else min(batch_size, limit - done)
        batch = store.pending_embeddings(embedder.name, limit=size, after=after)
        if not batch:
            break
        vectors = embedder.embed([paper_text(p.title, p.abstract) for p in batch])
        store.put_embeddings(embedder.name, [p.id for p in batch], vectors)
        done, after = done + len(batch), batch[-1].cursor
        if progress is not None:
            progress(len(batch))
    return done


def build_index(store: Store, embedder: Embedder, *, batch_size: int = BATCH_SIZE,
                limit: int | None = None, seconds: float | None = None,
                progress: Progress | None = None, steps: Sequence[str] = STEPS,
                on_step: StepStart | None = None) -> IndexReport:
    """Run the steps (STEPS, in that order): vectors for the papers that have none from
    this embedder (at most limit), then the derived data, each newest first; all of it, or
    as much as fits in `seconds` (then the rest waits for the next run, vectors first).

    progress hears of the papers embedded; on_step, when given, is told each step as it
    starts (with how many papers it has to do, where that is cheap to know) and returns
    that step's progress instead.
    """
    _check(steps)
    deadline = None if seconds is None else time.monotonic() + seconds
    embedded = 0
    if "vectors" in steps:
        # the count is two index counts; stopping at it spares the walk over every paper
        # that finds nothing more to embed (minutes for millions of papers)
        pending = store.count_pending_embeddings(embedder.name)
        wanted = pending if limit is None else min(limit, pending)
        told = progress if on_step is None else on_step("vectors", wanted)
        embedded = embed_pending(store, embedder, batch_size=batch_size, limit=wanted,
                                 deadline=deadline, progress=told)
        store.build_vector_index(embedder.name)  # PostgreSQL: HNSW once the vectors are in
        # SQLite, big archives: the web workers' graph, also when nothing was left to embed
        # (a run killed after its vectors, before or while saving the graph)
        save_graph(store, embedder.name)
    done = derive(store, steps=steps, deadline=deadline, on_step=on_step)
    return IndexReport(model=embedder.name, embedded=embedded,
                       vocabulary_papers=done.vocabulary_papers, cards=done.cards,
                       term_rows=done.term_rows, keyword=done.keyword,
                       openings=done.openings)


def derive(store: Store, *, steps: Sequence[str] = STEPS, deadline: float | None = None,
           on_step: StepStart | None = None) -> Derived:
    """The derived steps among steps, in order, until deadline."""
    _check(steps)

    def start(step: str, total: Callable[[], int | None]) -> Progress | None:
        return None if on_step is None else on_step(step, total())

    def time_left() -> bool:
        return deadline is None or time.monotonic() < deadline

    keyword = openings = counted = cards = term_rows = 0
    if "keyword" in steps and time_left():
        keyword = update_keyword_index(store, deadline=deadline,
                                       progress=start("keyword", lambda: pending_keyword(store)))
    if "openings" in steps and time_left():
        openings = derive_openings(store, deadline=deadline,
                                   progress=start("openings", lambda: pending_openings(store)))
    if "spelling" in steps and time_left():
        counted = refresh_vocabulary(store, deadline=deadline,
                                     progress=start("spelling", lambda: None))
    if "cards" in steps and time_left():  # keyphrase rarity reads the spelling vocabulary
        cards = derive_cards(store, deadline=deadline,
                             progress=start("cards", store.count_pending_cards))
    if "terms" in steps and time_left():
        term_rows = build_terms(store, deadline=deadline,
                                progress=start("terms", lambda: pending_terms(store, deadline)))
    return Derived(keyword, counted, cards, term_rows, openings)


def _check(steps: Sequence[str]) -> None:
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown index steps {sorted(unknown)}; known: {', '.join(STEPS)}")
