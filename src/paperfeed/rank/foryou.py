"""For you: papers for a reader's interests (liked papers, topics, categories), with reasons.

Each interest gives a source, (id, score, reason) best first; blend merges the sources and is
pure, as are the source builders. for_you gathers the sources from the store (searches, similar
papers) and is what the pages call; the digest composer gathers its own once per round.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from itertools import zip_longest

from paperfeed.index.embedder import Embedder
from paperfeed.models import Hit, Paper
from paperfeed.rank.hits import hits_for
from paperfeed.rank.match import only_matching
from paperfeed.rank.search import DEPTH, SearchFilters, search_ranked
from paperfeed.rank.similar import similar_ranked
from paperfeed.store import Store
from paperfeed.store.base import TextQuery

Source = list[tuple[str, float, str]]  # (id, score, reason) best first
Ranked = Sequence[tuple[str, float]]


def depth_for(limit: int) -> int:
    """How deep each source is taken for `limit` papers in all."""
    return max(limit * 3, 20)


def topic_source(topic: str, ranked: Ranked) -> Source:
    """A topic's search ranking as a source."""
    return [(pid, score, f"matches topic '{topic.strip()}'") for pid, score in ranked]


def liked_source(paper: Paper, ranked: Ranked) -> Source:
    """The papers most like a liked paper as a source."""
    return [(pid, score, f"like {paper.title}") for pid, score in ranked]


def newest_source(categories: Sequence[str], ranked: Ranked) -> Source:
    """The newest papers of the categories as a source (for readers with no other interest)."""
    return [(pid, 0.0, f"new in {', '.join(categories)}") for pid, _ in ranked]


def blend(sources: Sequence[Source], skip: Collection[str], limit: int) -> Source:
    """Best of each source in turn, so every interest is represented; duplicates and skip
    dropped."""
    seen = set(skip)
    merged: Source = []
    for tier in zip_longest(*sources):
        for item in tier:
            if item is not None and item[0] not in seen and len(merged) < limit:
                seen.add(item[0])
                merged.append(item)
    return merged


def for_you(store: Store, *, liked: Sequence[str] = (), topics: Sequence[str] = (),
            categories: Sequence[str] = (), exclude: Collection[str] = (),
            since: datetime | None = None, limit: int = 10,
            embedder: Embedder | None = None) -> list[Hit]:
    """Gathers papers matching any topic or like any liked paper, in the categories (if
    given), listed since `since` (if given); liked and excluded papers never appear.

    Topics use the search syntax ("protein design -diffusion"); only papers that match a
    topic (rank/match.py) are listed for it, never the merely nearest, so a day without any
    gives fewer papers or none. Without topics or liked papers, the newest papers of the
    categories are returned. Each Hit.reason says why.
    """
    filters = SearchFilters(categories=tuple(categories),
                            date_from=since.date() if since else None)
    depth = depth_for(limit)
    sources = [topic_source(t, only_matching(store, t, search_ranked(
        store, t, filters=filters, need=depth, embedder=embedder)[0][:max(depth, DEPTH)],
        embedder)[:depth]) for t in topics if t.strip()]
    query = TextQuery(categories=filters.categories, date_from=filters.date_from)
    sources += [liked_source(paper, similar_ranked(store, paper, limit=depth,
                                                   embedder=embedder, query=query))
                for paper in store.get_papers(list(dict.fromkeys(liked)))]
    if not sources and categories:
        newest = search_ranked(store, "", filters=filters, need=depth)[0][:depth]
        sources = [newest_source(categories, newest)]
    picked = blend(sources, {*exclude, *liked}, limit)
    return hits_for(store, [(pid, score) for pid, score, _ in picked],
                    reasons={pid: reason for pid, _, reason in picked})
