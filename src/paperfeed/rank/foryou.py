"""For you: papers for a reader's interests (liked papers, topics, categories), with reasons."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from itertools import zip_longest

from paperfeed.index.embedder import Embedder
from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.rank.search import SearchFilters, search
from paperfeed.rank.similar import similar_ranked
from paperfeed.store import Store
from paperfeed.store.base import TextQuery

_Source = list[tuple[str, float, str]]  # (id, score, reason) best first


def _topic_source(store: Store, topic: str, filters: SearchFilters, depth: int,
                  embedder: Embedder | None) -> _Source:
    result = search(store, topic, filters=filters, limit=depth, embedder=embedder)
    return [(h.paper.id, h.score, f"matches topic '{topic.strip()}'") for h in result.hits]


def _liked_sources(store: Store, liked: Sequence[str], filters: SearchFilters, depth: int,
                   embedder: Embedder | None) -> list[_Source]:
    query = TextQuery(categories=filters.categories, date_from=filters.date_from)
    sources = []
    for paper in store.get_papers(list(dict.fromkeys(liked))):
        found = similar_ranked(store, paper, limit=depth, embedder=embedder, query=query)
        sources.append([(pid, score, f"like {paper.title}") for pid, score in found])
    return sources


def _round_robin(sources: Sequence[_Source], skip: set[str], limit: int) -> _Source:
    """Best of each source in turn, so every interest is represented; duplicates dropped."""
    merged: _Source = []
    for tier in zip_longest(*sources):
        for item in tier:
            if item is not None and item[0] not in skip and len(merged) < limit:
                skip.add(item[0])
                merged.append(item)
    return merged


def for_you(store: Store, *, liked: Sequence[str] = (), topics: Sequence[str] = (),
            categories: Sequence[str] = (), exclude: Collection[str] = (),
            since: datetime | None = None, limit: int = 10,
            embedder: Embedder | None = None) -> list[Hit]:
    """Papers matching any topic or like any liked paper, in the categories (if given),
    listed since `since` (if given); liked and excluded papers never appear.

    Topics use the search syntax ("protein design -diffusion"). Without topics or liked
    papers, the newest papers of the categories are returned. Each Hit.reason says why.
    """
    filters = SearchFilters(categories=tuple(categories),
                            date_from=since.date() if since else None)
    depth = max(limit * 3, 20)
    sources = [_topic_source(store, t, filters, depth, embedder) for t in topics if t.strip()]
    sources += _liked_sources(store, liked, filters, depth, embedder)
    if not sources and categories:
        newest = search(store, "", filters=filters, limit=depth).hits
        sources = [[(h.paper.id, 0.0, f"new in {', '.join(categories)}") for h in newest]]
    picked = _round_robin(sources, set(exclude) | set(liked), limit)
    return hits_for(store, [(pid, score) for pid, score, _ in picked],
                    reasons={pid: reason for pid, _, reason in picked})
