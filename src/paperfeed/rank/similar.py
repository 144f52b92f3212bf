"""Similar papers ("more like this"): nearest vectors, or shared title words without a model.

paper_words and most_telling are pure; the rest gathers from the store and the vector index.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from paperfeed.errors import NotFound
from paperfeed.index.embedder import Embedder, paper_text
from paperfeed.index.keyword_index import keyword_index_for
from paperfeed.index.vectors import index_for
from paperfeed.models import Hit, Paper
from paperfeed.rank.counts import paper_count
from paperfeed.rank.fusion import convex
from paperfeed.rank.hits import hits_for, nearest
from paperfeed.rank.search import DENSE_WEIGHT, DEPTH, KEYWORD_DEPTH, READ_BUDGET
from paperfeed.store import Store
from paperfeed.store.base import TextQuery, Vectors
from paperfeed.store.terms import STOPWORDS, words

NO_FILTERS = TextQuery()
SALIENT_WORDS = 12  # words of a paper that make its full-text query


def word_groups(words: Sequence[str], counts: Mapping[str, int],
                budget: int | None = None) -> tuple[tuple[str, ...], ...]:
    """Rare words alone (rarest first, while their papers add up to at most budget), the
    remaining common words as one group that must appear together.

    Full-text work grows with the papers matched (and bm25 reads every word's whole list),
    so this bounds it: a common word alone would match a good part of the corpus and add
    little to the score; a single common word next to rare ones is left out. counts: papers
    matched per word (Store.match_counts).
    """
    budget = READ_BUDGET if budget is None else budget
    rare: list[tuple[str, ...]] = []
    common: list[str] = []
    used = 0
    for word in sorted(dict.fromkeys(words), key=lambda w: counts.get(w, 0)):
        df = counts.get(word, 0)
        if not common and used + df <= budget:
            rare.append((word,))
            used += df
        else:
            common.append(word)
    if common and (len(common) > 1 or not rare):
        rare.append(tuple(common))
    return tuple(rare)


def paper_vector(store: Store, paper: Paper, embedder: Embedder) -> Vectors:
    """Gathers the paper's stored vector, or computes one if it has not been indexed yet."""
    stored = index_for(store, embedder.name).vector(paper.id)
    if stored is not None:
        return stored
    vector: Vectors = embedder.embed([paper_text(paper.title, paper.abstract)])[0]
    return vector


def paper_words(paper: Paper) -> Counter[str]:
    """How often each content word occurs in the paper (the title counts twice)."""
    return Counter(w for w in words(f"{paper.title} {paper.title} {paper.abstract}")
                   if w not in STOPWORDS and len(w) > 2)


def most_telling(tf: Mapping[str, int], df: Mapping[str, int], total: int,
                 limit: int = SALIENT_WORDS) -> list[str]:
    """The words frequent in a paper (tf) and rare among the total papers (df): tf-idf."""
    total = max(total, 1)
    score = {w: n * math.log((total + 1) / (df.get(w, 0) + 1)) for w, n in tf.items()}
    return sorted(score, key=lambda w: -score[w])[:limit]


def salient_words(store: Store, paper: Paper, limit: int = SALIENT_WORDS) -> list[str]:
    """Gathers the corpus counts of the paper's words: its most telling ones."""
    tf = paper_words(paper)
    return most_telling(tf, store.term_counts(list(tf)), paper_count(store), limit)


def similar_ranked(store: Store, paper: Paper, *, limit: int, embedder: Embedder | None,
                   query: TextQuery = NO_FILTERS) -> list[tuple[str, float]]:
    """Gathers (id, score) of the papers most like paper (itself excluded) that pass query's
    filters: its nearest vectors fused with a full-text query of its salient words."""
    keyword = _keyword_side(store, salient_words(store, paper), query)
    index = index_for(store, embedder.name) if embedder is not None else None
    if embedder is None or index is None or not len(index):
        found = sorted(keyword.items(), key=lambda kv: -kv[1])
    else:
        vector = paper_vector(store, paper, embedder)
        dense = dict(nearest(store, index, vector, query, DEPTH))
        dense.update(index.scores(vector, [pid for pid in keyword if pid not in dense]))
        found = convex(dense, keyword, weight=DENSE_WEIGHT)
    return [(pid, score) for pid, score in found if pid != paper.id][:limit]


def _keyword_side(store: Store, picked: list[str], query: TextQuery) -> dict[str, float]:
    """BM25 of the papers that share the salient words picked: from a big archive's keyword
    index (its posting lists bound the work), else from the database's full text, the rare
    words alone and the common ones as one group so no query reads a good part of it."""
    if not picked:
        return {}
    limit = DEPTH * KEYWORD_DEPTH
    if (index := keyword_index_for(store)) is not None:
        return dict(index.candidates(picked, query, limit))
    counts = store.match_counts(picked, cap=READ_BUDGET + 1)
    return dict(store.keyword_search(replace(query, any_of=word_groups(picked, counts)),
                                     limit=limit))


def similar(store: Store, paper_id: str, *, limit: int = 10,
            embedder: Embedder | None = None) -> list[Hit]:
    """Gathers the papers most like paper_id, best first; NotFound when there is none."""
    paper = store.get_paper(paper_id)
    if paper is None:
        raise NotFound(f"no paper {paper_id!r}")
    return hits_for(store, similar_ranked(store, paper, limit=limit, embedder=embedder))
