"""Recommendations for one reader: gather their evidence from the store, rank a window of
papers with their own model (rank/learn.py). The one function the CLI, pages, API and
digest call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from paperfeed.errors import NotFound
from paperfeed.index.blend import one_model
from paperfeed.index.embedder import Embedder
from paperfeed.index.term_rows import term_index
from paperfeed.index.vectors import index_for
from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.rank.learn import DEFAULT, Evidence, Papers, Params, Ranked, Signals, rank
from paperfeed.store import Store
from paperfeed.store.base import TextQuery
from paperfeed.store.terms import words

__all__ = ["Signals", "UnknownPapers", "corpus_state", "gather", "ranking", "recommend"]

CANDIDATES = 100_000  # papers of one window ranked at most
BEFORE_DAYS = 60  # how far before the window the background reaches
BEFORE_CACHE = 64  # (store, categories, window start) samples kept per process
WINDOWS = 16  # windows' shared features kept per process
AUTHOR_PAPERS = 30  # a followed author's papers used as positives


class UnknownPapers(NotFound):
    """Signals name papers the store does not have."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__(f"unknown paper id(s): {', '.join(ids)}")
        self.ids = tuple(ids)


def recommend(store: Store, signals: Signals, *, since: date, until: date, limit: int = 10,
              embedder: Embedder | None = None, params: Params = DEFAULT) -> list[Hit]:
    """Gathers the reader's evidence and ranks the papers listed from since to until
    (inclusive) with their own model, best first, each with a reason; never a liked or
    disliked paper. Without liked papers, followed authors
    or topics: the newest papers of the categories (none without categories either).
    UnknownPapers names liked or disliked ids the store does not have."""
    ranked = ranking(store, signals, since=since, until=until, limit=limit,
                     embedder=embedder, params=params)
    return hits_for(store, [(r.id, r.score) for r in ranked], {r.id: r.reason for r in ranked})


def ranking(store: Store, signals: Signals, *, since: date, until: date, limit: int = 10,
            embedder: Embedder | None = None, params: Params = DEFAULT) -> list[Ranked]:
    """What recommend ranks, as ids, scores and reasons (no votes: those change apart)."""
    window = TextQuery(categories=signals.categories, date_from=since, date_to=until)
    if not signals.learns:
        _check_known(store, signals)
        newest = store.filter_ids(window, limit=limit) if signals.categories else []
        reason = f"new in {', '.join(signals.categories)}"
        return [Ranked(pid, 0.0, reason) for pid in newest]
    return rank(gather(store, signals, window, embedder, params), limit=limit, params=params)


def corpus_state(store: Store, embedder: Embedder | None) -> tuple[str, int]:
    """What a ranking depends on besides the reader: the papers (added or changed) and
    how many have a vector; votes and signals leave it alone."""
    count = len(index_for(store, embedder.name)) if embedder is not None else 0
    return store.papers_version(), count


def _check_known(store: Store, signals: Signals) -> None:
    wanted = list(dict.fromkeys(signals.liked + signals.disliked))
    found = {p.id for p in store.get_papers(wanted)}
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise UnknownPapers(missing)


def gather(store: Store, signals: Signals, window: TextQuery,
           embedder: Embedder | None, params: Params = DEFAULT) -> Evidence:
    """Gathers the reader's evidence: their papers, their authors' papers, their topics, a
    sample of other papers, and the window's candidates (never a liked or disliked one)."""
    _check_known(store, signals)
    skip = set(signals.liked) | set(signals.disliked)
    features = _Features(store, embedder)
    shared = _window(store, window, features, params.background)
    liked = list(dict.fromkeys(signals.liked))
    authored = {pid: name for pid, name in
                _authors_papers(store, signals.authors, set(shared.candidates.ids) | skip)
                if pid not in liked}
    pos = features.papers(liked + list(authored), authored)
    topics = [t.strip() for t in signals.topics if t.strip()]
    if topics:
        pos = _concat(pos, features.topics(topics))
    background = _take(shared.background, [n for n, pid in enumerate(shared.background.ids)
                                           if pid not in skip])
    return Evidence(positives=pos, negatives=features.papers(list(signals.disliked)),
                    background=background, candidates=shared.candidates,
                    followed=signals.authors,
                    topics=tuple((t, features.terms.vocabulary.topic_columns(t))
                                 for t in topics), skip=frozenset(skip))


@dataclass(frozen=True)
class _Shared:
    """What every reader of one window shares: its papers and the background sample."""

    candidates: Papers
    background: Papers


_windows: OrderedDict[tuple[object, ...], _Shared] = OrderedDict()
_windows_lock = threading.Lock()


def _window(store: Store, window: TextQuery, features: _Features, size: int) -> _Shared:
    """The window's candidates and background as features, kept per store, state of its
    papers and vectors, window and vector model: readers of the same day read them once,
    and a vote or a signal does not make them read again."""
    key = (store.url, store.papers_version(), len(features.index or ()), window,
           features.model, features.terms.key, size)
    with _windows_lock:
        found = _windows.get(key)
        if found is not None:
            _windows.move_to_end(key)
            return found
    candidates = store.filter_ids(window, limit=CANDIDATES)
    seen = set(candidates)
    start = window.date_from or date.today()
    background = [p for p in _before(store, window.categories, start, size) if p not in seen]
    shared = _Shared(features.papers(candidates), features.papers(background))
    with _windows_lock:
        _windows[key] = shared
        while len(_windows) > WINDOWS:
            _windows.popitem(last=False)
    return shared


def _take(papers: Papers, rows: list[int]) -> Papers:
    """The papers at rows, in that order."""
    if len(rows) == len(papers):
        return papers
    return Papers([papers.ids[n] for n in rows], papers.terms[rows], papers.vectors[rows],
                  [papers.labels[n] for n in rows] if papers.labels else [],
                  [papers.authors[n] for n in rows] if papers.authors else [])


def _authors_papers(store: Store, authors: Sequence[str],
                    skip: set[str]) -> list[tuple[str, str]]:
    """(paper id, followed name) of each followed author's latest papers outside skip."""
    found: list[tuple[str, str]] = []
    for name in authors:
        tokens = tuple(words(name))
        if tokens:
            ids = store.filter_ids(TextQuery(authors=(tokens,)), limit=AUTHOR_PAPERS * 2)
            found += [(p, name) for p in ids if p not in skip][:AUTHOR_PAPERS]
    return found


_before_cache: OrderedDict[tuple[str, tuple[str, ...], date, int], list[str]] = OrderedDict()
_before_lock = threading.Lock()


def _before(store: Store, categories: tuple[str, ...], start: date, size: int) -> list[str]:
    """A fixed-seed sample (size) of the papers listed in the BEFORE_DAYS before start,
    kept per store and window start (a sample need not see the newest papers). Not of the
    window itself: a candidate trained as a negative would rank itself down."""
    key = (store.url, categories, start, size)
    with _before_lock:
        if key not in _before_cache:
            ids = store.filter_ids(TextQuery(categories=categories,
                                             date_from=start - timedelta(days=BEFORE_DAYS),
                                             date_to=start - timedelta(days=1)),
                                   limit=CANDIDATES)
            picked = np.random.default_rng(0).choice(len(ids), min(size, len(ids)),
                                                     replace=False)
            _before_cache[key] = [ids[i] for i in picked.tolist()]
            while len(_before_cache) > BEFORE_CACHE:
                _before_cache.popitem(last=False)
        _before_cache.move_to_end(key)
        return _before_cache[key]


class _Features:
    """Term rows (index/term_rows.py) and vectors (the embedder's index) of papers."""

    def __init__(self, store: Store, embedder: Embedder | None) -> None:
        self.store = store
        if embedder is not None:  # one vector space for every paper (of a blend: index/blend.py)
            embedder = one_model(embedder, lambda model: index_for(store, model))
        self.embedder = embedder
        self.terms = term_index(store)
        self.model = embedder.name if embedder is not None else None
        self.index = index_for(store, embedder.name) if embedder is not None else None
        self.dim = self.index.dim if self.index is not None and len(self.index) else 0

    def papers(self, ids: list[str], authored: dict[str, str] | None = None) -> Papers:
        """The papers among ids the store has; labels (for reasons) only when authored is
        given: "by <followed author>" for those in it, "like <title>" for the others."""
        found = self.terms.get(self.store, ids)
        vectors = np.zeros((len(found.ids), self.dim), dtype=np.float32)
        if self.dim and self.index is not None:
            known, matrix = self.index.vectors(found.ids)
            row = {pid: n for n, pid in enumerate(found.ids)}
            vectors[[row[p] for p in known]] = matrix
        labels = [""] * len(found.ids) if authored is None else \
            self._labels(found.ids, authored)
        return Papers(found.ids, found.rows, vectors, labels,
                      [tuple(a.split(", ")) for a in found.authors])

    def _labels(self, ids: list[str], authored: dict[str, str]) -> list[str]:
        titles = {p.id: p.title for p in self.store.get_papers(
            [pid for pid in ids if pid not in authored])}
        return [f"by {authored[pid]}" if pid in authored else f"like {titles.get(pid, pid)}"
                for pid in ids]

    def topics(self, topics: list[str]) -> Papers:
        vectors = np.zeros((len(topics), self.dim), dtype=np.float32)
        if self.dim and self.embedder is not None and self.embedder.dim == self.dim:
            vectors = self.embedder.embed(topics)
        return Papers([f"topic:{t}" for t in topics], self.terms.vocabulary.rows(topics),
                      vectors, [f"related to topic '{t}'" for t in topics],
                      [() for _ in topics])


def _concat(a: Papers, b: Papers) -> Papers:
    import scipy.sparse as sp

    return Papers(a.ids + b.ids, sp.vstack([a.terms, b.terms], format="csr"),
                  np.vstack([a.vectors, b.vectors]), a.labels + b.labels, a.authors + b.authors)
