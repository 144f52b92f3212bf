"""Deriving what cards and author pages show, for papers new or changed since last time:
card text (index/cards.py) and author keys (index/authors.py), batch by batch."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from paperfeed.index.authors import author_names
from paperfeed.index.cards import card, idf_from
from paperfeed.store import Store
from paperfeed.store.shapes import PendingCursor
from paperfeed.store.terms import words

BATCH = 500


def derive_cards(store: Store, *, batch: int = BATCH, ids: Sequence[str] | None = None,
                 deadline: float | None = None,
                 progress: Callable[[int], None] | None = None) -> int:
    """Derive the cards of every paper that lacks a current one, newest listing day first;
    how many were derived.
    Keyphrase rarity comes from the spelling vocabulary, so run it after that is counted.
    Each batch is its own transaction: an interrupted run keeps its work. ids: only those
    papers (one just submitted, say). deadline (time.monotonic()): stop after the batch
    that passes it; the rest waits for the next run."""
    papers, done, after = store.count_papers(), 0, None
    while (deadline is None or time.monotonic() < deadline) and (
            pending := store.pending_cards(limit=batch, after=after, ids=ids)):
        vocabulary = {w for paper, _ in pending for w in words(f"{paper.title} {paper.abstract}")}
        idf = idf_from(store.term_counts(sorted(vocabulary)), papers)
        store.put_cards([(paper.id, fingerprint, card(paper, idf),
                          author_names(paper.author_names)) for paper, fingerprint in pending])
        last = pending[-1][0]
        done, after = done + len(pending), PendingCursor(
            last.day.isoformat() if last.day is not None else None, last.id)
        if progress is not None:
            progress(len(pending))
    return done
