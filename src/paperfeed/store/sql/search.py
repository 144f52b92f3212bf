"""The backend-neutral half of search: query filters as SQL, keyword_search and filter_ids.

Each backend's fulltext.py writes `text_condition` and `matches` in its own full-text
syntax; everything around them is here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperfeed.store.base import TextQuery
from paperfeed.store.sql.base import SqlBase
from paperfeed.store.sql.dialect import Dialect


def filters(dialect: Dialect, query: TextQuery) -> tuple[list[str], list[Any]]:
    """SQL conditions (with `?` parameters) on papers p for the non-text parts of a query."""
    where: list[str] = []
    args: list[Any] = []
    if query.date_from is not None:
        where.append("p.day >= ?")
        args.append(query.date_from.isoformat())
    if query.date_to is not None:
        where.append("p.day <= ?")
        args.append(query.date_to.isoformat())
    if query.has_code:
        where.append("(p.code_urls <> '[]' OR p.github_repo IS NOT NULL)")
    if query.categories:
        test = f"lower(j.value) = ? OR {dialect.starts_with.format('lower(j.value)', '?')}"
        tests = " OR ".join(test for _ in query.categories)
        where.append(f"EXISTS (SELECT 1 FROM {dialect.category_values} WHERE {tests})")
        for cat in query.categories:
            args += [cat.lower(), cat.lower() + "."]
    return where, args


class KeywordQueries(SqlBase):
    """keyword_search and filter_ids over text_condition and matches, which each backend
    writes in its own full-text syntax."""

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
        text = self.text_condition(query, ranked)
        if not text and not query.has_filters:
            return []
        return self.matches(query, text, order=order, limit=limit, offset=offset, within=within)

    def text_condition(self, query: TextQuery, ranked: bool) -> str:
        """The full-text expression every match must satisfy, in the backend's syntax
        (empty: no text condition)."""
        raise NotImplementedError

    def matches(self, query: TextQuery, text: str, *, order: str, limit: int, offset: int,
                within: Sequence[str] | None) -> list[tuple[str, float]]:
        """Papers matching text and the query's filters and exclusions (scored by relevance
        when text is not empty), best or newest first."""
        raise NotImplementedError

    def _newest(self, limit: int) -> list[str]:
        """The ids of the newest papers."""
        with self.reading() as conn:
            rows = self.run(conn, f"SELECT id FROM papers ORDER BY day DESC"
                            f"{self.dialect.nulls_last}, id DESC LIMIT ?", (limit,)).fetchall()
        return [str(r["id"]) for r in rows]
