"""A reader's own model: a linear classifier per interest, trained on the spot from the
reader's signals over word features (tf-idf of hashed words and word pairs) and the stored
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

from paperfeed.index.words import hash_texts
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
    """Papers as the model sees them: hashed word counts and unit vectors (zero rows for a
    paper without one; no columns when there is no vector model), with per-paper labels."""

    ids: list[str]
    counts: sp.csr_matrix
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
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Params:
    """The model's settings (bench/recommend.py measures them)."""

    word_weight: float = 1.0  # tf-idf block's share of a paper's features
    vector_weight: float = 1.0  # embedding block's share
    c: float = 0.1  # LinearSVC regularisation
    negative_weight: float = 3.0  # a hidden paper counts as this many background papers
    group_z: float = 3.0  # how much more alike than background two papers of one interest are
    duplicate: float = 0.8  # a candidate this alike a hidden paper is ranked after the rest
    mix: str = "one"  # "one": a single model; "share": its top dealt out among interests
    # by size; "max": each interest's own model, the best standardised score; "blend": the
    # mean of "max" and "one"
    share_floor: float = 1.0  # standardised score a paper needs to take an interest's place
    max_interests: int = 6  # models trained at most ("max", "blend")


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
    idf = _idf(sp.vstack([ev.background.counts, cand.counts], format="csr"))
    pos, neg, bg = (_features(p, idf, params) for p in (ev.positives, ev.negatives,
                                                          ev.background))
    xc = _Blocks(_tfidf(cand, idf, params), cand.vectors * np.float32(params.vector_weight))
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
    matches = _topic_matches(cand.counts[order], ev.topics)
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


def _idf(counts: sp.csr_matrix) -> F32:
    """Smoothed inverse document frequency of each hashed column over the given papers."""
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
    n = np.float32(counts.shape[0])
    idf: F32 = np.log((1 + n) / (1 + df)) + np.float32(1.0)
    return idf


def _features(papers: Papers, idf: F32, params: Params) -> sp.csr_matrix:
    """tf-idf beside the unit vectors, each block weighted, as one matrix."""
    vectors = sp.csr_matrix(papers.vectors * np.float32(params.vector_weight))
    return sp.hstack([_tfidf(papers, idf, params), vectors], format="csr", dtype=np.float32)


def _tfidf(papers: Papers, idf: F32, params: Params) -> sp.csr_matrix:
    """Sublinear tf times idf, rows scaled to length word_weight."""
    tf = sp.csr_matrix(papers.counts, dtype=np.float32, copy=True)
    tf.data = (np.float32(1.0) + np.log(tf.data)) * idf[tf.indices]
    words_block = _unit_rows(tf, copy=False)
    words_block.data *= np.float32(params.word_weight)
    return words_block


def _unit_rows(m: sp.csr_matrix, *, copy: bool = True) -> sp.csr_matrix:
    """m (a copy unless copy=False) with rows scaled to unit length (empty rows stay empty)."""
    m = sp.csr_matrix(m, dtype=np.float32, copy=copy)
    squares = np.add.reduceat(m.data * m.data, m.indptr[:-1]) if m.nnz else np.zeros(0)
    lengths = np.zeros(m.shape[0], dtype=np.float32)
    nonempty = np.diff(m.indptr) > 0
    lengths[nonempty] = np.sqrt(squares[nonempty]) if m.nnz else 0.0
    m.data /= np.repeat(np.maximum(lengths, 1e-12), np.diff(m.indptr))
    return m


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
    return LinearSVC(C=params.c, tol=1e-2, max_iter=1000).fit(x, y, sample_weight=w)


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


def _topic_matches(counts: sp.csr_matrix, topics: Sequence[str]) -> list[str | None]:
    """The first topic whose every word the candidate has (None: none matches)."""
    columns = [(t.strip(), hash_texts([t]).indices) for t in topics if t.strip()]
    columns = [(t, c) for t, c in columns if len(c)]
    found: list[str | None] = []
    for n in range(counts.shape[0]):
        row = set(counts.indices[counts.indptr[n]:counts.indptr[n + 1]].tolist())
        found.append(next((t for t, c in columns if row.issuperset(c.tolist())), None))
    return found


def _reason(author: str | None, topic: str | None, nearest: str) -> str:
    if author:
        return f"by {author}"
    if topic:
        return f"matches topic '{topic}'"
    return nearest
