"""Move a whole instance from one database to another (SQLite <-> PostgreSQL), checked by counts.

Every table both schemas share is copied row for row with its own keys (reader and
subscription ids, the papers' insertion order), so votes, sends and cursors stay valid. What
each backend derives by itself is rebuilt there: the full-text index (and on PostgreSQL the
HNSW vector index). The target must be empty; it is migrated to the current schema first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from paperfeed.errors import StoreError
from paperfeed.store import Store, open_store

Progress = Callable[[str, int], None]  # (table, rows just copied)
# Parents before children; tables added later by others come after these, alphabetically.
ORDER = ("papers", "paper_versions", "readers", "votes", "signals", "followed_authors",
         "spent_tokens", "subscriptions",
         "digest_sends", "digest_items", "embeddings", "ingest_state", "search_vocab",
         "search_vocab_tri", "comments", "comment_blocks", "collections", "collection_items")
# Derived or internal: rebuilt by the target itself, never copied.
SKIP_PREFIXES = ("papers_fts", "sqlite_", "schema_migrations", "search_lexemes")
HIDDEN = {"search_vector"}  # PostgreSQL's own full-text column


@dataclass(frozen=True)
class TableCount:
    """Rows of one table in the source and, after the copy, in the target."""

    table: str
    source: int
    target: int


def _plan(source: Store, target: Store) -> list[tuple[str, list[str]]]:
    """Tables to copy, parents first, with the columns both sides have."""
    theirs, ours = source.copy_tables(), target.copy_tables()
    shared = [t for t in theirs if t in ours and not t.startswith(SKIP_PREFIXES)]
    ordered = [t for t in ORDER if t in shared] + sorted(t for t in shared if t not in ORDER)
    return [(t, [c for c in theirs[t] if c in ours[t] and c not in HIDDEN]) for t in ordered]


def migrate_database(source_url: str, target_url: str, *,
                     progress: Progress | None = None) -> list[TableCount]:
    """Copy everything in source into the empty target; the counts of both, table by table.

    Raises StoreError when the target is not empty or a count differs after the copy.
    """
    if source_url == target_url:
        raise StoreError("migrate-db: --from and --to name the same database")
    source, target = open_store(source_url), open_store(target_url)
    try:
        plan = _plan(source, target)
        busy = [f"{t} ({n} rows)" for t, _ in plan if (n := target.count_rows(t))]
        if busy:
            raise StoreError(f"migrate-db: the target is not empty: {', '.join(busy)}; "
                             "migrate into a new, empty database")
        for table, columns in plan:
            for rows in source.read_rows(table, columns):
                target.write_rows(table, columns, rows)
                if progress is not None:
                    progress(table, len(rows))
        target.finish_copy()
        return _verify(source, target, [t for t, _ in plan])
    finally:
        source.close()
        target.close()


def _verify(source: Store, target: Store, tables: list[str]) -> list[TableCount]:
    counts = [TableCount(t, source.count_rows(t), target.count_rows(t)) for t in tables]
    wrong = [f"{c.table}: {c.source} in source, {c.target} in target"
             for c in counts if c.source != c.target]
    if wrong:
        raise StoreError("migrate-db: counts differ after the copy: " + "; ".join(wrong))
    return counts
