"""The openings step of `paperfeed index`: each paper's title and first sentences in stems
(store/stems.py) and the acronyms it defines (store/definitions.py), stored so a topic match
reads a short row instead of stemming and parsing abstracts on every search page, digest and
topic feed (rank/match.py, rank/acronyms.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from paperfeed.store import Store
from paperfeed.store.definitions import pack, paper_definitions
from paperfeed.store.shapes import Opening
from paperfeed.store.stems import FORMAT, opening_stems

BATCH = 2000


def derive_openings(store: Store, *, batch: int = BATCH, deadline: float | None = None,
                    progress: Callable[[int], None] | None = None) -> int:
    """Store the opening stems of every paper that lacks current ones, newest listing day
    first; how many were stored. Each batch is its own transaction (an interrupted run keeps
    its work); deadline (time.monotonic()): stop after the batch that passes it. Until a
    paper has them, matching stems its text as before."""
    done, after = 0, None
    while (deadline is None or time.monotonic() < deadline) and (
            pending := store.pending_openings(FORMAT, limit=batch, after=after)):
        store.put_openings(FORMAT, [(pid, Opening(opening_stems(title, abstract),
                                                  pack(paper_definitions(title, abstract))))
                                    for pid, title, abstract, _ in pending])
        done, after = done + len(pending), pending[-1][3]
        if progress is not None:
            progress(len(pending))
    return done


def pending_openings(store: Store) -> int:
    """How many papers the openings step has to do."""
    return store.count_pending_openings(FORMAT)
