"""Word features of papers: hashed counts of title and abstract words and word pairs, kept in
memory per store so a ranking that is rebuilt per request reads them instead of re-parsing.

Hashing (scikit-learn's HashingVectorizer) needs no fitted vocabulary, so a paper's row never
changes when other papers arrive and nothing has to be refitted per data version; weighting
(idf) is left to the caller, who knows which papers it compares. Rows are computed on first
need (a paper's text is read once per process) and kept for the papers a process has ranked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from paperfeed.models import Paper
from paperfeed.store import Store

__all__ = ["FEATURES", "PaperWords", "hash_texts", "words_for"]

FEATURES = 2**18  # hashed columns; collisions between word pairs cost little at this width
TOKENS = r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b"  # a letter first: bare numbers say little
MAX_ROWS = 400_000  # papers kept per store before the cache starts over
_FETCH = 2_000  # papers read from the store per query when filling the cache
_CACHE_SIZE = 4  # stores kept per process

_vectorizer = HashingVectorizer(
    input="content", strip_accents="unicode", lowercase=True, analyzer="word",
    stop_words="english", token_pattern=TOKENS, ngram_range=(1, 2), n_features=FEATURES,
    alternate_sign=False, norm=None, dtype=np.float32)


def hash_texts(texts: Sequence[str]) -> sp.csr_matrix:
    """Hashed word and word-pair counts of each text (rows), float32."""
    return sp.csr_matrix(_vectorizer.transform(list(texts)), dtype=np.float32)


@dataclass(frozen=True)
class PaperWords:
    """Counts (rows in the order asked) and the author names of each paper."""

    ids: list[str]
    counts: sp.csr_matrix
    authors: list[tuple[str, ...]]


class WordCache:
    """One store's hashed rows: a matrix grown in blocks and an id -> row map."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._matrix: sp.csr_matrix = sp.csr_matrix((0, FEATURES), dtype=np.float32)
        self._row: dict[str, int] = {}
        self._authors: list[tuple[str, ...]] = []

    def get(self, store: Store, ids: Sequence[str]) -> PaperWords:
        """The rows of the stored papers among ids (unknown ids are left out)."""
        with self._lock:
            missing = [pid for pid in dict.fromkeys(ids) if pid not in self._row]
            if missing:
                if len(self._row) + len(missing) > MAX_ROWS:
                    self._reset()
                    missing = list(dict.fromkeys(ids))
                self._add(store, missing)
            known = [pid for pid in ids if pid in self._row]
            rows = np.fromiter((self._row[pid] for pid in known), dtype=np.int64,
                               count=len(known))
            counts = self._matrix[rows]
            return PaperWords(known, counts, [self._authors[r] for r in rows.tolist()])

    def _add(self, store: Store, ids: list[str]) -> None:
        papers: list[Paper] = []
        for start in range(0, len(ids), _FETCH):
            papers += store.get_papers(ids[start:start + _FETCH])
        if not papers:
            return
        block = hash_texts([f"{p.title}\n{p.abstract}" for p in papers])
        first = len(self._authors)
        for offset, paper in enumerate(papers):
            self._row[paper.id] = first + offset
            self._authors.append(paper.author_names)
        self._matrix = sp.vstack([self._matrix, block], format="csr")


_caches: OrderedDict[str, WordCache] = OrderedDict()
_caches_lock = threading.Lock()


def words_for(store: Store, ids: Sequence[str]) -> PaperWords:
    """Hashed word counts and authors of the stored papers among ids, in the order given."""
    with _caches_lock:
        cache = _caches.get(store.url)
        if cache is None:
            cache = _caches[store.url] = WordCache()
            while len(_caches) > _CACHE_SIZE:
                _caches.popitem(last=False)
        _caches.move_to_end(store.url)
    return cache.get(store, ids)
