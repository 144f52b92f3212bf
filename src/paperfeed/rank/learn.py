"""A reader's own model: a linear classifier trained on the spot from the reader's signals
over term features (tf-idf over the store's fitted vocabulary, index/terms.py) and the stored
paper vectors, ranking a window of candidate papers with a reason for each.

Pure: data in (Evidence), data out (Ranked); rank/recommend.py gathers the evidence from a
store. Words catch a reader whose interest is a rare phrase, vectors one whose interest is a
field described in many ways. The liked papers are grouped into interests (papers more alike
than GROUP_SIMILARITY share one), each interest gets its own classifier, and a candidate's
score is its best interest's score, standardised over the candidates, so a small interest is
not drowned by a large one (bench/recommend.py measures this against one model for all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.svm import LinearSVC

from paperfeed.index.terms import unit_rows
from paperfeed.store.terms import words

__all__ = ["DEFAULT", "Evidence", "Papers", "Params", "Ranked", "Signals", "rank"]

F32 = npt.NDArray[np.float32]
Rows = npt.NDArray[np.intp] | slice  # some of a Papers' rows, or all of them


@dataclass(frozen=True)
class Signals:
    """What a reader told us, by kind; each caller fills it from where it keeps them."""

    liked: tuple[str, ...] = ()  # saved, upvoted, more like this, imported: paper ids
    disliked: tuple[str, ...] = ()  # hidden, less like this: paper ids
    authors: tuple[str, ...] = ()  # followed authors: their papers count as strongly liked
    topics: tuple[str, ...] = ()  # typed topics ("state space models")
    categories: tuple[str, ...] = ()  # only candidates in one of these (none: any)

    @property
    def learns(self) -> bool:
        """Whether there is anything to learn from (categories alone only filter)."""
        return bool(self.liked or self.authors or any(t.strip() for t in self.topics))


@dataclass(frozen=True)
class Papers:
    """Papers as the model sees them: unit tf-idf rows and unit vectors (zero rows for a
    paper without one; no columns when there is no vector model), with per-paper labels."""

    ids: list[str]
    terms: sp.csr_matrix
    vectors: F32
    labels: list[str] = field(default_factory=list)  # what a reason says ("like <title>")
    authors: list[tuple[str, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {pid: n for n, pid in enumerate(self.ids)}

    @cached_property
    def term_norms(self) -> F32:
        """Each row's length (about 1, or 0 for a paper without terms)."""
        m = self.terms
        out: F32 = np.sqrt(np.asarray(m.multiply(m).sum(axis=1), dtype=np.float32).ravel())
        return out

    @cached_property
    def vector_norms(self) -> F32:
        """Each vector's length (1, or 0 for a paper without one)."""
        out: F32 = np.linalg.norm(self.vectors, axis=1).astype(np.float32) \
            if self.vectors.shape[1] else np.zeros(len(self.ids), dtype=np.float32)
        return out

    @cached_property
    def mean_vector(self) -> F32:
        """The mean of the papers' vectors (those that have one)."""
        has = self.vector_norms > 0
        out: F32 = self.vectors[has].mean(axis=0) if has.any() else \
            np.zeros(self.vectors.shape[1], dtype=np.float32)
        return out


@dataclass(frozen=True)
class Evidence:
    """Everything one ranking needs, gathered from the store."""

    positives: Papers  # liked papers, followed authors' papers, topics as short texts
    negatives: Papers  # hidden and less-like-this papers
    background: Papers  # a sample of the other papers: unlabelled, mostly not of interest
    candidates: Papers  # the window to rank
    followed: tuple[str, ...] = ()  # followed authors' names
    topics: tuple[tuple[str, npt.NDArray[np.int32]], ...] = ()  # (topic, its term columns)
    skip: frozenset[str] = frozenset()  # candidates never returned (liked, disliked)


@dataclass(frozen=True)
class Params:
    """The model's settings (bench/recommend.py measures them)."""

    word_weight: float = 1.0  # tf-idf block's share of a paper's features
    vector_weight: float = 0.5  # embedding block's share (words lead; vectors add meaning)
    c: float = 0.1  # LinearSVC regularisation
    negative_weight: float = 3.0  # a hidden paper counts as this many background papers
    group_z: float = 3.0  # how much more alike than background two papers of one interest are
    duplicate: float = 0.8  # a candidate this alike a hidden paper is ranked after the rest
    mix: str = "one"  # "one": a single model; "share": its top dealt out among interests
    # by size; "max": each interest's own model, the best standardised score; "blend": the
    # mean of "max" and "one"
    share_floor: float = 1.0  # standardised score a paper needs to take an interest's place
    max_interests: int = 6  # models trained at most ("max", "blend")
    background: int = 2_000  # unlabelled papers from before the window, sampled
    tol: float = 1e-2  # LinearSVC's stopping tolerance
    dense: str = "cosine"  # "cosine": the classifier learns from words, and each paper's
    # vector adds its likeness to the nearest liked papers as a second score; "joint": the
    # classifier learns from words and vectors together (slower: dense columns)
    dense_weight: float = 0.25  # the likeness score's weight beside the classifier's
    dense_k: int = 3  # liked papers a candidate's likeness is averaged over


DEFAULT = Params()
SHARE_DEPTH = 1000  # top papers dealt out among interests
BURY = 100.0  # far beyond any standardised score: moves a paper past every other


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float
    reason: str


def rank(ev: Evidence, *, limit: int, params: Params = DEFAULT) -> list[Ranked]:
    """The best `limit` candidates for the reader, best first, each with a reason; never a
    candidate whose id is in ev.skip."""
    cand = ev.candidates
    if not len(cand) or not len(ev.positives):
        return []
    groups = [np.arange(len(ev.positives))] if params.mix == "one" else \
        _interests(_features(ev.positives, params), _features(ev.background, params), params)
    score = _joint_scorer(ev, params) if params.dense == "joint" else _scorer(ev, params)
    final = score(slice(None))
    if params.mix in ("max", "blend") and len(groups) > 1:
        best = np.vstack([score(g) for g in groups[:params.max_interests]]).max(axis=0)
        final = best if params.mix == "max" else (final + best) / 2
    if len(ev.negatives):
        final[_alike(cand, slice(None), ev.negatives, params).max(axis=1) >=
              params.duplicate] -= BURY
    by_author = _followed_authors(cand.authors, ev.followed)
    final[[i for i, name in enumerate(by_author) if name]] += BURY  # strongly liked
    order = np.argsort(-final, kind="stable")
    if ev.skip:
        skipped = np.zeros(len(cand), dtype=bool)
        skipped[[cand.row_of[p] for p in ev.skip if p in cand.row_of]] = True
        order = order[~skipped[order]]
    if params.mix == "share" and len(groups) > 1:
        top = order[:SHARE_DEPTH]
        near = _alike(cand, top, ev.positives, params).argmax(axis=1).tolist()
        order = _shared_out(order, score=final, near=near, groups=groups, limit=limit,
                            floor=params.share_floor)
    order = order[:limit]
    near = _alike(cand, order, ev.positives, params).argmax(axis=1).tolist() \
        if len(order) else []
    matches = _topic_matches(cand.terms[order], ev.topics)
    return [Ranked(cand.ids[i], float(final[i]),
                   _reason(by_author[i], matches[n], ev.positives.labels[near[n]]))
            for n, i in enumerate(order.tolist())]


def _scorer(ev: Evidence, params: Params) -> Callable[[Rows], F32]:
    """Scores of the candidates for the positives at rows: a classifier over words, plus
    the vectors' likeness to those positives."""
    words = [_weighted(p.terms, params.word_weight) for p in
             (ev.positives, ev.negatives, ev.background)]
    weight = np.float32(params.word_weight)
    likeness = _Likeness(ev.candidates, ev.positives, ev.background) \
        if params.dense_weight and params.vector_weight else None

    def score(rows: Rows) -> F32:
        model = _fit(words[0][rows], words[1], words[2], params)
        raw = ev.candidates.terms @ (model.coef_.ravel() * weight) + model.intercept_[0]
        out = _standardised(raw)
        if likeness is not None:
            out += np.float32(params.dense_weight) * likeness.scores(rows, params.dense_k)
        return out

    return score


def _joint_scorer(ev: Evidence, params: Params) -> Callable[[Rows], F32]:
    """Scores from one classifier over words and vectors side by side (dense columns make
    it several times slower to train than words alone)."""
    pos, neg, bg = (_features(p, params) for p in (ev.positives, ev.negatives, ev.background))
    words = _weighted(ev.candidates.terms, params.word_weight)
    vectors = _vectors(ev.candidates, params)

    def score(rows: Rows) -> F32:
        model = _fit(pos[rows], neg, bg, params)
        w = model.coef_.ravel()
        n = words.shape[1]
        return _standardised(words @ w[:n] + vectors @ w[n:] + model.intercept_[0])

    return score


def _shared_out(order: npt.NDArray[np.intp], *, score: F32, near: list[int],
                groups: Sequence[npt.NDArray[np.intp]], limit: int,
                floor: float) -> npt.NDArray[np.intp]:
    """The top of order re-dealt so each interest gets places in proportion to its liked
    papers (Sainte-Laguë: the next place goes to the interest with the highest
    size / (2 x places taken + 1)); a paper belongs to the interest of its most alike
    positive, and only papers scoring at least floor take part. The rest keep their order."""
    owner = np.empty(sum(len(g) for g in groups), np.intp)
    for k, g in enumerate(groups):
        owner[g] = k
    queues: list[list[int]] = [[] for _ in groups]
    for rank_, i in enumerate(order[:len(near)].tolist()):
        if score[i] >= floor:
            queues[owner[near[rank_]]].append(i)
    taken = np.zeros(len(groups))
    size = np.array([len(g) for g in groups], dtype=float)
    picked: list[int] = []
    while len(picked) < limit and any(queues):
        live = [k for k, q in enumerate(queues) if q]
        k = max(live, key=lambda k: (size[k] / (2 * taken[k] + 1), score[queues[k][0]]))
        picked.append(queues[k].pop(0))
        taken[k] += 1
    chosen = set(picked)
    return np.array(picked + [i for i in order.tolist() if i not in chosen], dtype=np.intp)


class _Likeness:
    """How alike each candidate's vector is to the liked papers' vectors: the mean cosine to
    its k most alike liked papers, after taking away the background's mean vector (vectors
    of one model all lean one way; what is left says what sets a paper apart), standardised.
    A paper without a vector, or a reader whose papers have none, scores zero."""

    def __init__(self, cand: Papers, pos: Papers, bg: Papers) -> None:
        self.mean = bg.mean_vector if len(bg) else \
            np.zeros(cand.vectors.shape[1], dtype=np.float32)
        self.cand = cand
        self.pos = pos
        self.cm = cand.vectors @ self.mean
        # |c - m| = sqrt(|c|^2 - 2 c.m + m.m): no centred copy of the candidates
        self.cand_len = np.sqrt(np.maximum(
            cand.vector_norms ** 2 - 2 * self.cm + float(self.mean @ self.mean), 1e-12))

    def scores(self, rows: Rows, k: int) -> F32:
        out = np.zeros(len(self.cand), dtype=np.float32)
        pos = self.pos.vectors[rows][self.pos.vector_norms[rows] > 0]
        ok = self.cand.vector_norms > 0
        if not len(pos) or not ok.any():
            return out
        centred = pos - self.mean
        lengths = np.maximum(np.linalg.norm(centred, axis=1), 1e-12)
        # (c - m).(p - m) = c.(p - m) - m.(p - m)
        cos = (self.cand.vectors @ centred.T - centred @ self.mean) / \
            self.cand_len[:, None] / lengths
        k = min(k, len(pos))
        top = np.partition(cos, len(pos) - k, axis=1)[:, len(pos) - k:]
        out[ok] = _standardised(top.mean(axis=1)[ok])
        return out


def _alike(a: Papers, rows: Rows, b: Papers, params: Params) -> F32:
    """Cosine of a's papers at rows with each of b's, over words and vectors side by side
    at their weights (len(rows), len(b)); b is a reader's few papers."""
    ww, vw = params.word_weight ** 2, params.vector_weight ** 2
    words = a.terms[rows]
    out = np.empty((words.shape[0], len(b)), dtype=np.float32)
    for at in range(0, len(b), 64):  # b's rows dense, a block at a time
        out[:, at:at + 64] = words @ b.terms[at:at + 64].T.toarray()
    out *= np.float32(ww)
    if vw and a.vectors.shape[1]:
        out += np.float32(vw) * (a.vectors[rows] @ b.vectors.T)
    la = np.sqrt(ww * a.term_norms[rows] ** 2 + vw * a.vector_norms[rows] ** 2)
    lb = np.sqrt(ww * b.term_norms ** 2 + vw * b.vector_norms ** 2)
    out /= np.maximum(la, 1e-12)[:, None]
    out /= np.maximum(lb, 1e-12)[None, :]
    return out


def _weighted(m: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    if weight == 1.0 and m.dtype == np.float32:
        return m
    out = sp.csr_matrix(m, dtype=np.float32, copy=True)
    out.data *= np.float32(weight)
    return out


def _features(papers: Papers, params: Params) -> sp.csr_matrix:
    """Weighted tf-idf beside the weighted unit vectors (none at weight 0), as one matrix."""
    vectors = sp.csr_matrix(_vectors(papers, params))
    return sp.hstack([_weighted(papers.terms, params.word_weight), vectors], format="csr",
                     dtype=np.float32)


def _vectors(papers: Papers, params: Params) -> F32:
    if not params.vector_weight:
        return papers.vectors[:, :0]
    out: F32 = papers.vectors * np.float32(params.vector_weight)
    return out


def _unit_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """A copy of m with rows scaled to unit length (empty rows stay empty)."""
    return unit_rows(sp.csr_matrix(m, dtype=np.float32, copy=True))


def _interests(pos: sp.csr_matrix, bg: sp.csr_matrix,
               params: Params) -> list[npt.NDArray[np.intp]]:
    """Positives grouped into interests, largest first: two share one when they are far
    more alike than either is to the background (group_z standard deviations above its mean
    likeness to background papers), which holds for words alone and for words with vectors."""
    n = pos.shape[0]
    unit = _unit_rows(pos)
    sim = (unit @ unit.T).toarray()
    if bg.shape[0] > 1:
        to_bg = (unit @ _unit_rows(bg).T).toarray()
        bar = to_bg.mean(axis=1) + params.group_z * to_bg.std(axis=1)
    else:
        bar = np.full(n, 0.5)
    linked = sim >= (bar[:, None] + bar[None, :]) / 2
    count, labels = connected_components(sp.csr_matrix(linked), directed=False)
    return sorted((np.flatnonzero(labels == k) for k in range(count)), key=len, reverse=True)


def _fit(pos: sp.csr_matrix, neg: sp.csr_matrix, bg: sp.csr_matrix,
         params: Params) -> LinearSVC:
    """One interest's classifier: its positives against hidden and background papers, each
    class weighted to the same total (a hidden paper weighs more than a background one)."""
    if not (neg.shape[0] + bg.shape[0]):  # nothing to contrast with (a tiny store): an
        neg = sp.csr_matrix((1, pos.shape[1]), dtype=np.float32)  # empty paper stands in
    x = sp.vstack([pos, neg, bg], format="csr")
    y = np.r_[np.ones(pos.shape[0]), np.zeros(neg.shape[0] + bg.shape[0])]
    w_neg = np.r_[np.full(neg.shape[0], params.negative_weight), np.ones(bg.shape[0])]
    w = np.r_[np.full(pos.shape[0], w_neg.sum() / pos.shape[0]), w_neg]
    return LinearSVC(C=params.c, tol=params.tol, max_iter=1000).fit(x, y, sample_weight=w)


def _standardised(scores: npt.NDArray[np.float64]) -> F32:
    """Scores as standard deviations from their mean: comparable between models."""
    spread = float(scores.std())
    out: F32 = ((scores - scores.mean()) / (spread or 1.0)).astype(np.float32)
    return out


def _followed_authors(authors: Sequence[tuple[str, ...]],
                      followed: Sequence[str]) -> list[str | None]:
    """The followed author of each candidate (None: none): every word of the followed
    name appears in one of the paper's author names."""
    wanted = [(name, frozenset(words(name))) for name in followed if words(name)]
    found: list[str | None] = [None] * len(authors)
    for n, names in enumerate(authors if wanted else ()):
        plain = " ".join(names).lower()  # folded already when it is ASCII: a cheap test
        for name, tokens in wanted:
            if plain.isascii() and not all(t in plain for t in tokens):
                continue
            if any(tokens <= frozenset(words(a)) for a in names):
                found[n] = name
                break
    return found


def _topic_matches(terms: sp.csr_matrix,
                   topics: Sequence[tuple[str, npt.NDArray[np.int32]]]) -> list[str | None]:
    """The first topic whose every term column the candidate has (None: none matches)."""
    columns = [(t, set(c.tolist())) for t, c in topics if len(c)]
    found: list[str | None] = []
    for n in range(terms.shape[0]):
        row = set(terms.indices[terms.indptr[n]:terms.indptr[n + 1]].tolist()) \
            if columns else set()
        found.append(next((t for t, c in columns if row >= c), None))
    return found


def _reason(author: str | None, topic: str | None, nearest: str) -> str:
    if author:
        return f"by {author}"
    if topic:
        return f"matches topic '{topic}'"
    return nearest
