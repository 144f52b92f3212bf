"""PostgreSQL's whole-table reads and writes for migrate-db (the TableCopy role): COPY in,
named cursors out; the full text, lexeme counts, sequences and HNSW indexes rebuilt after."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from paperfeed.store.postgres.connection import Conn, as_array, copy_rows
from paperfeed.store.postgres.papers import SEARCH_VECTOR, index_words
from paperfeed.store.postgres.vectors import PgVectors

BATCH = 5000  # rows per read
_VECTOR_TYPES = {"paper_id": "text", "model": "text", "dim": "int4", "vector": "vector",
                 "created_at": "text", "seq": "int8"}


class PgTables(PgVectors):
    """Tables as rows; vectors leave as float32 arrays and arrive as arrays too."""

    def copy_tables(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        with self.tx() as conn:
            for r in conn.execute("SELECT table_name, column_name FROM information_schema."
                                  "columns WHERE table_schema = current_schema() "
                                  "ORDER BY table_name, ordinal_position"):
                out.setdefault(r["table_name"], []).append(r["column_name"])
        return out

    def count_rows(self, table: str) -> int:
        with self.tx() as conn:
            row = conn.execute(f'SELECT count(*) AS n FROM "{table}"').fetchone()
        return int(row["n"]) if row else 0

    def read_rows(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        vector = list(columns).index("vector") if table == "embeddings" else -1
        with self.tx() as conn, conn.cursor(name=f"read_{table}", binary=True) as cur:
            cur.execute(f'SELECT {", ".join(columns)} FROM "{table}"')
            while rows := cur.fetchmany(BATCH):
                values = [tuple(r.values()) for r in rows]
                if vector >= 0:
                    values = [(*r[:vector], as_array(r[vector]), *r[vector + 1:])
                              for r in values]
                yield values

    def write_rows(self, table: str, columns: Sequence[str],
                   rows: Sequence[Sequence[Any]]) -> None:
        with self.tx() as conn:
            if table == "papers":
                _load_papers(conn, columns, rows)
            elif table == "embeddings":
                _copy_binary_vectors(conn, columns, rows)
            else:
                copy_rows(conn, table, columns, rows)

    def finish_copy(self) -> None:
        with self.tx() as conn:
            conn.execute("INSERT INTO search_lexemes (lexeme, df) SELECT l, count(*) FROM "
                         "papers, unnest(tsvector_to_array(search_vector)) AS l GROUP BY l")
            for table, column in (("readers", "id"), ("subscriptions", "id"),
                                  ("search_vocab", "id"), ("papers", "seq"),
                                  ("comments", "id"), ("collections", "id")):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                             f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
        for model in self.embedding_counts():
            self.build_vector_index(model)
        self.bump_data_version()


def _load_papers(conn: Conn, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Raw papers rows as they are, full text computed on the way."""
    at = [list(columns).index(c) for c in ("title", "abstract", "authors_text")]
    conn.execute(f"CREATE TEMP TABLE papers_load ON COMMIT DROP AS SELECT "
                 f"{', '.join(columns)}, ''::text AS title_words, ''::text AS "
                 "abstract_words, ''::text AS author_words FROM papers WITH NO DATA")
    copy_rows(conn, "papers_load", [*columns, "title_words", "abstract_words", "author_words"],
              [(*r, *(index_words(str(r[i] or "")) for i in at)) for r in rows])
    conn.execute(f"INSERT INTO papers ({', '.join(columns)}, search_vector) SELECT "
                 f"{', '.join('i.' + c for c in columns)}, {SEARCH_VECTOR} FROM papers_load i")


def _copy_binary_vectors(conn: Conn, columns: Sequence[str],
                         rows: Sequence[Sequence[Any]]) -> None:
    with conn.cursor() as cur, cur.copy(
            f"COPY embeddings ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([_VECTOR_TYPES[c] for c in columns])
        for row in rows:
            copy.write_row(row)
