"""Papers' term rows (index/terms.py): computed and stored by `paperfeed index`, read back
and kept in memory per process for the reader's model.

`build_terms` fits the vocabulary (on a sample of FIT_SAMPLE papers at most) when there is
none or the store has grown by REFIT_GROWTH since the fit (then every row is recomputed),
and stores the rows of new or changed papers.
A run with a deadline postpones a due refit it has not the time for (a fit of a big store
takes minutes), judged by how long the last fit took, and goes on under the old vocabulary.
`term_index` serves rows from a per-store cache (the papers a process has ranked, at most
MAX_ROWS), reads stored rows for the rest and computes the few that are not stored yet. A
store nobody has indexed gets a vocabulary fitted in process on a sample (FALLBACK_SAMPLE
papers), so a fresh instance works, at a cost on its first ranking.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from paperfeed.index.terms import Vocabulary, fit_vocabulary, pack, paper_text, unpack_many
from paperfeed.store import Store

__all__ = ["PaperTerms", "TermIndex", "build_terms", "pending_terms", "term_index"]

FIT_SAMPLE = 100_000  # papers a vocabulary is fitted on at most
FALLBACK_SAMPLE = 5_000  # the same, fitted in process when the store has none
REFIT_GROWTH = 1.25  # refit once the store has this many times the papers of the fit
BATCH = 2_000  # papers per stored batch
MAX_ROWS = 400_000  # rows kept per store before the cache starts over
_CACHE_SIZE = 4  # stores kept per process

Progress = Callable[[int], None]
log = logging.getLogger(__name__)


def _sample(store: Store, size: int) -> list[str]:
    """Texts of about `size` papers spread evenly over the store's ids."""
    total = store.count_papers_total()
    step = max(1, -(-total // size))
    texts: list[str] = []
    after: str | None = None
    while batch := store.paper_texts(after=after, limit=20_000):
        texts += [paper_text(t, a, (n,)) for _, t, a, n in batch[::step]]
        after = batch[-1][0]
    return texts


def build_terms(store: Store, *, refit: bool = False, deadline: float | None = None,
                progress: Progress | None = None) -> int:
    """Fit the vocabulary if due and store the rows of papers that need one, newest listing
    day first; how many rows were stored. Each batch is its own transaction. deadline
    (time.monotonic()): stop after the batch that passes it; the rest waits for the next
    run (a vocabulary fitted meanwhile stays: rows under an older one are computed in
    process until stored); a refit that would not end before it waits for a run that has
    the time."""
    vocabulary, version = _current_vocabulary(store, refit, deadline)
    done, after = 0, None
    while (deadline is None or time.monotonic() < deadline) and (
            batch := store.pending_terms(version, limit=BATCH, after=after)):
        rows = vocabulary.rows([paper_text(t, a, (n,)) for _, t, a, n, _, _ in batch])
        store.put_terms(version, [(pid, fp, pack(rows[i]))
                                  for i, (pid, _, _, _, fp, _) in enumerate(batch)])
        done, after = done + len(batch), batch[-1][5]
        if progress is not None:
            progress(len(batch))
    return done


def _current_vocabulary(store: Store, refit: bool,
                        deadline: float | None) -> tuple[Vocabulary, int]:
    """The stored vocabulary and its version, fitted (and stored) first when due."""
    current = store.term_vocabulary()
    if current is not None and not refit:
        vocabulary = Vocabulary.loads(current[1])
        if not _refit_now(store, vocabulary, deadline):
            return vocabulary, current[0]
    started, total = time.monotonic(), store.count_papers_total()
    fitted = fit_vocabulary(_sample(store, FIT_SAMPLE))
    fitted = replace(fitted, store_size=total, seconds=time.monotonic() - started)
    return fitted, store.put_term_vocabulary(fitted.dumps(), fitted.papers)


def _refit_now(store: Store, vocabulary: Vocabulary, deadline: float | None) -> bool:
    """Whether the store has outgrown vocabulary and, given a deadline (time.monotonic()),
    a new fit (the last one's time, grown as the store may have) would end before it."""
    if store.count_papers_total() <= REFIT_GROWTH * max(vocabulary.store_size, 1):
        return False
    expected = vocabulary.seconds * REFIT_GROWTH
    if deadline is None or time.monotonic() + expected <= deadline:
        return True
    log.info("the reader model's vocabulary is due a refit (about %.0f s) that would not end "
             "within this round's time; postponed (`paperfeed index --only terms` does it)",
             expected)
    return False


def pending_terms(store: Store, deadline: float | None = None) -> int:
    """About how many papers build_terms has to store a row for (all, when it will refit)."""
    current = store.term_vocabulary()
    if current is None or _refit_now(store, Vocabulary.loads(current[1]), deadline):
        return store.count_papers_total()
    return store.count_pending_terms(current[0])


@dataclass(frozen=True)
class PaperTerms:
    """Rows (in the order asked; unknown ids left out) and each paper's author names."""

    ids: list[str]
    rows: sp.csr_matrix
    authors: list[str]


class TermIndex:
    """One store's vocabulary and the rows read or computed under it."""

    def __init__(self, key: object, vocabulary: Vocabulary, version: int | None) -> None:
        self.key = key
        self.vocabulary = vocabulary
        self.version = version
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._blocks: list[sp.csr_matrix] = []
        self._matrix = sp.csr_matrix((0, len(self.vocabulary)), dtype=np.float32)
        self._row: dict[str, int] = {}
        self._authors: list[str] = []

    def get(self, store: Store, ids: Sequence[str]) -> PaperTerms:
        with self.lock:
            missing = [pid for pid in dict.fromkeys(ids) if pid not in self._row]
            if missing:
                if len(self._row) + len(missing) > MAX_ROWS:
                    self._reset()
                    missing = list(dict.fromkeys(ids))
                self._add(store, missing)
            known = [pid for pid in ids if pid in self._row]
            at = np.fromiter((self._row[pid] for pid in known), dtype=np.int64,
                             count=len(known))
            return PaperTerms(known, self._matrix[at], [self._authors[r] for r in at.tolist()])

    def _add(self, store: Store, ids: list[str]) -> None:
        stored = store.terms_of(self.version, ids) if self.version is not None else {}
        found = [pid for pid in ids if pid in stored]
        blocks = [unpack_many([stored[pid][0] for pid in found], len(self.vocabulary))]
        authors = [stored[pid][1] for pid in found]
        rest = [pid for pid in ids if pid not in stored]
        papers = [p for start in range(0, len(rest), BATCH)
                  for p in store.get_papers(rest[start:start + BATCH])]
        if papers:
            blocks.append(self.vocabulary.rows(
                [paper_text(p.title, p.abstract, p.author_names) for p in papers]))
            found += [p.id for p in papers]
            authors += [", ".join(p.author_names) for p in papers]
        first = len(self._authors)
        self._row.update((pid, first + n) for n, pid in enumerate(found))
        self._authors += authors
        self._matrix = sp.vstack([self._matrix, *blocks], format="csr")


_caches: OrderedDict[str, TermIndex] = OrderedDict()
_caches_lock = threading.Lock()


def _cache(store: Store) -> TermIndex:
    """The store's cache, current with its vocabulary (a new fit starts a new cache)."""
    version = store.term_vocabulary_version()
    key: object = version if version is not None else ("fallback", store.data_version())
    with _caches_lock:
        cache = _caches.get(store.url)
        if cache is not None and cache.key == key:
            _caches.move_to_end(store.url)
            return cache
    stored = store.term_vocabulary() if version is not None else None
    if stored is not None:
        version, vocabulary = stored[0], Vocabulary.loads(stored[1])
        key = version
    else:
        vocabulary = fit_vocabulary(_sample(store, FALLBACK_SAMPLE))
    with _caches_lock:
        cache = _caches[store.url] = TermIndex(key, vocabulary, version)
        while len(_caches) > _CACHE_SIZE:
            _caches.popitem(last=False)
    return cache


def term_index(store: Store) -> TermIndex:
    """The store's term rows as this process keeps them: `.get(store, ids)` gives rows and
    authors of the stored papers among ids in the order given, `.vocabulary` the terms."""
    return _cache(store)
