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

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.svm import LinearSVC

from paperfeed.index.terms import unit_rows
from paperfeed.store.terms import words

__all__ = ["DEFAULT", "Evidence", "Papers", "Params", "Ranked", "Signals", "rank"]

F32 = npt.NDArray[np.float32]


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


@dataclass(frozen=True)
class Evidence:
    """Everything one ranking needs, gathered from the store."""

    positives: Papers  # liked papers, followed authors' papers, topics as short texts
    negatives: Papers  # hidden and less-like-this papers
    background: Papers  # a sample of the other papers: unlabelled, mostly not of interest
    candidates: Papers  # the window to rank
    followed: tuple[str, ...] = ()  # followed authors' names
    topics: tuple[tuple[str, npt.NDArray[np.int32]], ...] = ()  # (topic, its term columns)


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


DEFAULT = Params()
SHARE_DEPTH = 1000  # top papers dealt out among interests
BURY = 100.0  # far beyond any standardised score: moves a paper past every other


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float
    reason: str


def rank(ev: Evidence, *, limit: int, params: Params = DEFAULT) -> list[Ranked]:
    """The best `limit` candidates for the reader, best first, each with a reason."""
    cand = ev.candidates
    if not len(cand) or not len(ev.positives):
        return []
    pos, neg, bg = (_features(p, params) for p in (ev.positives, ev.negatives, ev.background))
    xc = _Blocks(_weighted(cand.terms, params.word_weight), _vectors(cand, params))
    final = _standardised(xc.decide(_fit(pos, neg, bg, params)))
    groups = [np.arange(len(ev.positives))] if params.mix == "one" else \
        _interests(pos, bg, params)
    if params.mix in ("max", "blend") and len(groups) > 1:
        best = np.vstack([_standardised(xc.decide(_fit(pos[g], neg, bg, params)))
                          for g in groups[:params.max_interests]]).max(axis=0)
        final = best if params.mix == "max" else (final + best) / 2
    final[_near_duplicates(xc, neg, params.duplicate)] -= BURY
    by_author = _followed_authors(cand.authors, ev.followed)
    final[[i for i, name in enumerate(by_author) if name]] += BURY  # strongly liked
    order = np.argsort(-final, kind="stable")
    near = _nearest_positive(xc.rows(order[:SHARE_DEPTH]), pos)
    if params.mix == "share" and len(groups) > 1:
        order = _shared_out(order, score=final, near=near, groups=groups, limit=limit,
                            floor=params.share_floor)
    order = order[:limit]
    near = _nearest_positive(xc.rows(order), pos)
    matches = _topic_matches(cand.terms[order], ev.topics)
    return [Ranked(cand.ids[i], float(final[i]),
                   _reason(by_author[i], matches[n], ev.positives.labels[near[n]]))
            for n, i in enumerate(order.tolist())]


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


@dataclass(frozen=True)
class _Blocks:
    """Candidates' features kept as two blocks (sparse words, dense vectors): scoring many
    papers needs no joined matrix."""

    words: sp.csr_matrix
    vectors: F32

    def decide(self, model: LinearSVC) -> npt.NDArray[np.float64]:
        w = model.coef_.ravel()
        n = self.words.shape[1]
        out: npt.NDArray[np.float64] = (self.words @ w[:n] + self.vectors @ w[n:] +
                                        model.intercept_[0])
        return out

    def similarity(self, other: sp.csr_matrix) -> npt.NDArray[np.float32]:
        """Cosine of every candidate with every row of other (n, len(other))."""
        n = self.words.shape[1]
        unit = _unit_rows(other)
        both = (self.words @ unit[:, :n].T).toarray() + self.vectors @ unit[:, n:].T.toarray()
        lengths = np.sqrt(np.asarray(self.words.multiply(self.words).sum(axis=1)).ravel() +
                          (self.vectors * self.vectors).sum(axis=1))
        out: npt.NDArray[np.float32] = both / np.maximum(lengths, 1e-12)[:, None]
        return out

    def rows(self, rows: npt.NDArray[np.intp]) -> sp.csr_matrix:
        return sp.hstack([self.words[rows], sp.csr_matrix(self.vectors[rows])], format="csr")


def _near_duplicates(xc: _Blocks, neg: sp.csr_matrix,
                     threshold: float) -> npt.NDArray[np.bool_]:
    """Candidates at least threshold alike (cosine) a hidden paper."""
    if not neg.shape[0]:
        return np.zeros(xc.words.shape[0], dtype=bool)
    found: npt.NDArray[np.bool_] = xc.similarity(neg).max(axis=1) >= threshold
    return found


def _weighted(m: sp.csr_matrix, weight: float) -> sp.csr_matrix:
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


def _nearest_positive(xc: sp.csr_matrix, pos: sp.csr_matrix) -> list[int]:
    """For each candidate (row of xc), the most alike positive."""
    sim = (_unit_rows(xc) @ _unit_rows(pos).T).toarray()
    return [int(n) for n in sim.argmax(axis=1)] if sim.size else []


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
