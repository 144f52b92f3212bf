"""Move a whole instance from one database to another (SQLite <-> PostgreSQL), checked by counts.

Every table both schemas share is copied row for row with its own keys (reader and
subscription ids, the papers' insertion order), so votes, sends and cursors stay valid. What
each backend derives by itself is rebuilt there: the full-text index (and on PostgreSQL the
HNSW vector index). The target must be empty; it is migrated to the current schema first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paperfeed.errors import StoreError
from paperfeed.store import Store, open_store
from paperfeed.store.postgres import PostgresStore
from paperfeed.store.postgres.connection import Conn, as_array, copy_rows
from paperfeed.store.sqlite import SqliteStore

Progress = Callable[[str, int], None]  # (table, rows just copied)
BATCH = 5000
# Parents before children; tables added later by others come after these, alphabetically.
ORDER = ("papers", "paper_versions", "readers", "votes", "spent_tokens", "subscriptions",
         "digest_sends", "digest_items", "embeddings", "ingest_state", "search_vocab",
         "search_vocab_tri")
# Derived or internal: rebuilt by the target itself, never copied.
SKIP_PREFIXES = ("papers_fts", "sqlite_", "schema_migrations", "search_lexemes")
HIDDEN = {"search_vector"}  # PostgreSQL's own full-text column


@dataclass(frozen=True)
class TableCount:
    """Rows of one table in the source and, after the copy, in the target."""

    table: str
    source: int
    target: int


class _Side:
    """One database seen as tables of rows; a paper's insertion order is the column `seq`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def tables(self) -> dict[str, list[str]]:
        raise NotImplementedError

    def count(self, table: str) -> int:
        raise NotImplementedError

    def read(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        raise NotImplementedError

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Rebuild what is derived and move counters past the copied keys."""


class _SqliteSide(_Side):
    store: SqliteStore

    def tables(self) -> dict[str, list[str]]:
        conn = self.store.conn()
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'table' ORDER BY name")]
        out = {n: [c[1] for c in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}
        out["papers"] = ["seq", *out.get("papers", [])]
        return out

    def count(self, table: str) -> int:
        return int(self.store.conn().execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    def _select(self, table: str, columns: Sequence[str]) -> str:
        cols = ", ".join("rowid" if c == "seq" and table == "papers" else c for c in columns)
        return f'SELECT {cols} FROM "{table}"'

    def read(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        cursor = self.store.conn().execute(self._select(table, columns))
        vector = columns.index("vector") if table == "embeddings" else -1
        while rows := cursor.fetchmany(BATCH):
            if vector >= 0:
                yield [(*r[:vector], np.frombuffer(r[vector], dtype="<f4"), *r[vector + 1:])
                       for r in rows]
            else:
                yield [tuple(r) for r in rows]

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ["rowid" if c == "seq" and table == "papers" else c for c in columns]
        if table == "embeddings":
            at = columns.index("vector")
            rows = [(*r[:at], as_array(r[at]).astype("<f4").tobytes(), *r[at + 1:])
                    for r in rows]
        with self.store.write() as conn:
            conn.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES '
                             f'({", ".join("?" * len(names))})', rows)


class _PgSide(_Side):
    store: PostgresStore

    def tables(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        with self.store.tx() as conn:
            for r in conn.execute("SELECT table_name, column_name FROM information_schema."
                                  "columns WHERE table_schema = current_schema() "
                                  "ORDER BY table_name, ordinal_position"):
                out.setdefault(r["table_name"], []).append(r["column_name"])
        return out

    def count(self, table: str) -> int:
        with self.store.tx() as conn:
            row = conn.execute(f'SELECT count(*) AS n FROM "{table}"').fetchone()
        return int(row["n"]) if row else 0

    def read(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        with self.store.tx() as conn, conn.cursor(name=f"read_{table}", binary=True) as cur:
            cur.execute(f'SELECT {", ".join(columns)} FROM "{table}"')
            while rows := cur.fetchmany(BATCH):
                yield [tuple(r.values()) for r in rows]

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        with self.store.tx() as conn:
            if table == "papers":
                self.store.load_paper_rows(conn, columns, rows)
            elif table == "embeddings":
                _copy_binary_vectors(conn, columns, rows)
            else:
                copy_rows(conn, table, columns, rows)

    def finish(self) -> None:
        with self.store.tx() as conn:
            conn.execute("INSERT INTO search_lexemes (lexeme, df) SELECT l, count(*) FROM "
                         "papers, unnest(tsvector_to_array(search_vector)) AS l GROUP BY l")
            for table, column in (("readers", "id"), ("subscriptions", "id"),
                                  ("search_vocab", "id"), ("papers", "seq")):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                             f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
        for model in self.store.embedding_counts():
            self.store.build_vector_index(model)
        self.store.bump_data_version()


def _copy_binary_vectors(conn: Conn, columns: Sequence[str],
                         rows: list[tuple[Any, ...]]) -> None:
    kinds = {"paper_id": "text", "model": "text", "dim": "int4", "vector": "vector",
             "created_at": "text", "seq": "int8"}
    with conn.cursor() as cur, cur.copy(
            f"COPY embeddings ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([kinds[c] for c in columns])
        for row in rows:
            copy.write_row(row)


def _side(store: Store) -> _Side:
    if isinstance(store, SqliteStore):
        return _SqliteSide(store)
    if isinstance(store, PostgresStore):
        return _PgSide(store)
    raise StoreError(f"migrate-db: no copier for {type(store).__name__}")


def _plan(source: _Side, target: _Side) -> list[tuple[str, list[str]]]:
    """Tables to copy, parents first, with the columns both sides have."""
    theirs, ours = source.tables(), target.tables()
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
    source_store, target_store = open_store(source_url), open_store(target_url)
    try:
        source, target = _side(source_store), _side(target_store)
        plan = _plan(source, target)
        busy = [f"{t} ({n} rows)" for t, _ in plan if (n := target.count(t))]
        if busy:
            raise StoreError(f"migrate-db: the target is not empty: {', '.join(busy)}; "
                             "migrate into a new, empty database")
        for table, columns in plan:
            for rows in source.read(table, columns):
                target.write(table, columns, rows)
                if progress is not None:
                    progress(table, len(rows))
        target.finish()
        return _verify(source, target, [t for t, _ in plan])
    finally:
        source_store.close()
        target_store.close()


def _verify(source: _Side, target: _Side, tables: list[str]) -> list[TableCount]:
    counts = [TableCount(t, source.count(t), target.count(t)) for t in tables]
    wrong = [f"{c.table}: {c.source} in source, {c.target} in target"
             for c in counts if c.source != c.target]
    if wrong:
        raise StoreError("migrate-db: counts differ after the copy: " + "; ".join(wrong))
    return counts
