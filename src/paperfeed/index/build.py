"""`paperfeed index`: count new words into the spelling vocabulary, store the term rows of
the reader's model (index/term_rows.py), embed what is pending."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from paperfeed.index.derive import derive_cards
from paperfeed.index.embedder import Embedder, paper_text
from paperfeed.index.term_rows import build_terms
from paperfeed.store import Store

Progress = Callable[[int], None]  # called with how many papers were just embedded
BATCH_SIZE = 64


@dataclass(frozen=True)
class IndexReport:
    """What one index run did."""

    model: str
    embedded: int
    vocabulary_papers: int
    cards: int = 0  # papers whose card text and author keys were derived
    term_rows: int = 0  # papers whose term rows were stored (the reader's model)


def refresh_vocabulary(store: Store) -> int:
    """Bring the spelling vocabulary up to date; return how many papers were counted."""
    total = 0
    while counted := store.refresh_vocabulary():
        total += counted
    return total


def build_index(store: Store, embedder: Embedder, *, batch_size: int = BATCH_SIZE,
                limit: int | None = None, seconds: float | None = None,
                progress: Progress | None = None) -> IndexReport:
    """Embed the papers that have no vector from this embedder yet, newest first: all of
    them, at most limit, or as many as fit in `seconds` (then the rest wait for the next run).

    Each batch is stored in its own transaction, so an interrupted run keeps its work and
    the next run goes on from there.
    """
    counted = refresh_vocabulary(store)
    deadline = None if seconds is None else time.monotonic() + seconds
    cards = derive_cards(store, deadline=deadline)
    term_rows = build_terms(store)
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
    store.build_vector_index(embedder.name)  # PostgreSQL: HNSW once the vectors are in
    return IndexReport(model=embedder.name, embedded=done, vocabulary_papers=counted,
                       cards=cards, term_rows=term_rows)
