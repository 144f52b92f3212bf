"""What differs between SQLite's and PostgreSQL's SQL, as data the shared queries consult.

Shared queries are written once, with `?` for every parameter; the dialect turns them into
its own placeholders and says how to write the few constructs the two spell differently
(a list parameter, the larger of two values, the JSON array of a paper's categories).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=2048)
def _format_style(query: str) -> str:
    """A `?` query in psycopg's style: `%s` placeholders, literal `%` doubled."""
    return query.replace("%", "%%").replace("?", "%s")


@dataclass(frozen=True)
class Dialect:
    """One backend's spelling of the SQL that both write alike otherwise."""

    name: str  # "sqlite" or "postgres": the folder of its migrations too
    format_params: bool  # placeholders are `%s` (psycopg), not `?` (sqlite3)
    list_chunk: int  # ids per `IN (...)` list; 0: the whole list as one array parameter
    greatest: str  # the larger of two values: max(a, b) in SQLite, greatest(a, b) in PostgreSQL
    nulls_last: str  # after `day DESC`: "" where NULL sorts last by itself (SQLite)
    category_values: str  # a FROM item: each category of papers p as j.value
    starts_with: str  # "{0} starts with {1}" as a condition
    key_lock: str  # a statement holding a lock on one `?` key until the transaction ends

    def sql(self, query: str) -> str:
        """query, written with `?` placeholders, as this backend takes it."""
        return _format_style(query) if self.format_params else query

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """`column` is one of values: the condition and its parameters."""
        if not self.list_chunk:
            return f"{column} = ANY(?)", [list(values)]
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    def chunks(self, values: Sequence[Any]) -> Iterator[list[Any]]:
        """values (duplicates dropped, order kept) in lists in_list takes at once."""
        unique = list(dict.fromkeys(values))
        size = self.list_chunk or max(1, len(unique))
        for start in range(0, len(unique), size):
            yield unique[start:start + size]


SQLITE = Dialect(
    name="sqlite", format_params=False,
    list_chunk=500,  # well below SQLite's limit on bound variables
    greatest="max",
    nulls_last="",  # NULL is the smallest value: last under DESC already
    category_values="json_each(p.categories) AS j",
    starts_with="instr({0}, {1}) = 1",
    key_lock="")  # none needed: BEGIN IMMEDIATE lets one writer in at a time

POSTGRES = Dialect(
    name="postgres", format_params=True,
    list_chunk=0,  # a Python list binds as one array
    greatest="greatest",
    nulls_last=" NULLS LAST",  # NULL is the largest value: first under DESC otherwise
    category_values="json_array_elements_text(p.categories::json) AS j(value)",
    starts_with="starts_with({0}, {1})",
    key_lock="SELECT pg_advisory_xact_lock(hashtext(?))")
