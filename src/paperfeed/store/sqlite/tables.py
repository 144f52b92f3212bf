"""SQLite's whole-table reads and writes for migrate-db (the TableCopy role)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from paperfeed.store.sqlite.connection import SqliteConnection

BATCH = 5000  # rows per read


def _names(table: str, columns: Sequence[str]) -> list[str]:
    """A paper's insertion order `seq` is SQLite's rowid."""
    return ["rowid" if c == "seq" and table == "papers" else c for c in columns]


class SqliteTables(SqliteConnection):
    """Tables as rows; vectors leave as float32 arrays and arrive as arrays too."""

    def copy_tables(self) -> dict[str, list[str]]:
        conn = self.conn()
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'table' ORDER BY name")]
        out = {n: [c[1] for c in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}
        out["papers"] = ["seq", *out.get("papers", [])]
        return out

    def count_rows(self, table: str) -> int:
        return int(self.conn().execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    def read_rows(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        cursor = self.conn().execute(
            f'SELECT {", ".join(_names(table, columns))} FROM "{table}"')
        vector = list(columns).index("vector") if table == "embeddings" else -1
        while rows := cursor.fetchmany(BATCH):
            if vector >= 0:
                yield [(*r[:vector], np.frombuffer(r[vector], dtype="<f4"), *r[vector + 1:])
                       for r in rows]
            else:
                yield [tuple(r) for r in rows]

    def write_rows(self, table: str, columns: Sequence[str],
                   rows: Sequence[Sequence[Any]]) -> None:
        names = _names(table, columns)
        if table == "embeddings":
            at = list(columns).index("vector")
            rows = [(*r[:at], np.asarray(r[at], dtype="<f4").tobytes(), *r[at + 1:])
                    for r in rows]
        with self.write() as conn:
            conn.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES '
                             f'({", ".join("?" * len(names))})', rows)

    def finish_copy(self) -> None:
        """Nothing derived to rebuild: FTS5 triggers indexed the papers as they came."""
