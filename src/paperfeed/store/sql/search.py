"""The backend-neutral half of full-text queries, shared by both stores' search mixins."""

from __future__ import annotations

from collections.abc import Sequence

from paperfeed.store.base import TextQuery


class KeywordQueries:
    """keyword_search and filter_ids over two methods each backend writes in its own SQL:
    `_select` (matches of a query, ranked or newest first) and `_newest` (every paper)."""

    def keyword_search(self, query: TextQuery, *, limit: int, offset: int = 0,
                       within: Sequence[str] | None = None,
                       order: str = "relevance") -> list[tuple[str, float]]:
        return self._select(query, ranked=True, order=order, limit=limit, offset=offset,
                            within=within)

    def filter_ids(self, query: TextQuery, *, within: Sequence[str] | None = None,
                   limit: int = 100_000) -> list[str]:
        if within is not None and not within:
            return []
        if not (query.all_of or query.has_filters):
            return list(within)[:limit] if within is not None else self._newest(limit)
        rows = self._select(query, ranked=False, order="date", limit=limit, offset=0,
                            within=within)
        return [pid for pid, _ in rows]

    def _select(self, query: TextQuery, *, ranked: bool, order: str, limit: int, offset: int,
                within: Sequence[str] | None) -> list[tuple[str, float]]:
        """Papers matching query (its ranked words too when ranked), best or newest first."""
        raise NotImplementedError

    def _newest(self, limit: int) -> list[str]:
        """The ids of the newest papers."""
        raise NotImplementedError
