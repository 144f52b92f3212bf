"""Pieces every ranking shares: turning ranked ids into Hits, nearest vectors under filters.

to_hits is pure; hits_for and nearest gather from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from paperfeed.models import Hit, Paper
from paperfeed.store import Store
from paperfeed.store.base import TextQuery, Vectors, VectorSearch

FILTER_SCAN = 200_000  # at most this many papers scored exactly under restrictive filters
OVERSAMPLE = 5  # unfiltered neighbours fetched per wanted one before filtering


def to_hits(ranked: Sequence[tuple[str, float]], papers: Mapping[str, Paper],
            votes: Mapping[str, int], reasons: Mapping[str, str] | None = None) -> list[Hit]:
    """Hits (paper, score, local votes, reason) for ranked ids; ids without a paper are skipped."""
    return [Hit(paper=papers[pid], score=score, votes=votes.get(pid, 0),
                reason=(reasons or {}).get(pid))
            for pid, score in ranked if pid in papers]


def hits_for(store: Store, ranked: Sequence[tuple[str, float]],
             reasons: Mapping[str, str] | None = None) -> list[Hit]:
    """Gathers the papers and votes of ranked ids from the store: to_hits over them."""
    papers: dict[str, Paper] = {p.id: p for p in store.get_papers([pid for pid, _ in ranked])}
    return to_hits(ranked, papers, store.vote_counts(list(papers)), reasons)


def nearest(store: Store, index: VectorSearch, vector: Vectors, query: TextQuery, k: int, *,
            need: int | None = None) -> list[tuple[str, float]]:
    """Gathers up to k papers most similar to vector that pass the query's filters, best first.

    Unfiltered: one lookup. Filtered: the nearest OVERSAMPLE * k are filtered in the store;
    when fewer than need (default k) survive, every paper passing the filters is scored.
    """
    if not (query.has_filters or query.all_of):
        return index.search(vector, k)
    found = index.search(vector, k * OVERSAMPLE)
    allowed = set(store.filter_ids(query, within=[pid for pid, _ in found]))
    kept = [(pid, s) for pid, s in found if pid in allowed]
    if len(kept) >= min(k, need if need is not None else k) or len(found) < k * OVERSAMPLE:
        return kept[:k]
    return index.search(vector, k, among=store.filter_ids(query, limit=FILTER_SCAN))
