"""Embedding with a fast and a best model: the fast model's vector for every paper that lacks
one first (minutes for millions of papers), then the best model's, newest listing day first,
within what is left of the time budget; a paper's fast vector stays and serves until the best
one arrives (search reads each paper's best: index/blend.py)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from paperfeed.index import STEPS
from paperfeed.index.blend import parts
from paperfeed.index.build import BATCH_SIZE, IndexReport, Progress, StepStart, build_index, derive
from paperfeed.index.embedder import Embedder
from paperfeed.store import Store

FAST_BATCH = 512  # papers per transaction for the fast model (a batch takes it milliseconds)


def build_models(store: Store, embedder: Embedder, *, seconds: float | None = None,
                 best_seconds: float | None = None, batch_size: int = BATCH_SIZE,
                 limit: int | None = None, progress: Progress | None = None,
                 steps: Sequence[str] = STEPS, on_step: StepStart | None = None) -> IndexReport:
    """index.build's steps with each model of embedder: the fast (last) model's vectors
    first (every paper findable), then the derived data (within half of what is left of
    `seconds`, so a backlog of cards never starves the better vectors, nor they the cards),
    then the better models' vectors, newest first, in the rest (None: no limit).
    best_seconds bounds the better models on its own (0: the fast model only)."""
    models = parts(embedder)
    if len(models) == 1:
        return build_index(store, embedder, seconds=seconds, batch_size=batch_size,
                           limit=limit, progress=progress, steps=steps, on_step=on_step)
    started = time.monotonic()

    def left() -> float | None:
        return None if seconds is None else seconds - (time.monotonic() - started)

    vectors = [s for s in steps if s == "vectors"]
    fast = models[-1]
    reports = [build_index(store, fast, seconds=seconds, progress=progress, limit=limit,
                           batch_size=max(batch_size, FAST_BATCH), steps=vectors,
                           on_step=_named(on_step, fast.name))]
    share = left()
    deadline = None if share is None else time.monotonic() + max(share, 0.0) / 2
    done = derive(store, steps=steps, deadline=deadline, on_step=on_step)
    for model in reversed(models[:-1]):
        budget = min(x for x in (left(), best_seconds, float("inf")) if x is not None)
        if budget <= 0 or not vectors:
            break
        reports.append(build_index(store, model, batch_size=batch_size, progress=progress,
                                   seconds=None if budget == float("inf") else budget,
                                   steps=vectors, on_step=_named(on_step, model.name)))
    return IndexReport(model=embedder.name, embedded=sum(r.embedded for r in reports),
                       vocabulary_papers=done.vocabulary_papers, cards=done.cards,
                       term_rows=done.term_rows, keyword=done.keyword,
                       openings=done.openings,
                       per_model=tuple((r.model, r.embedded) for r in reports))


def _named(on_step: StepStart | None, model: str) -> StepStart | None:
    """on_step told which model a vectors step is for ("vectors:<model>")."""
    if on_step is None:
        return None
    return lambda step, total: on_step(f"{step}:{model}" if step == "vectors" else step, total)
