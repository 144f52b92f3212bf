"""The stems of each paper's opening (store/stems.py) and the acronyms it defines, stored by
`paperfeed index` for topic matching, written once for both backends."""

from __future__ import annotations

from collections.abc import Sequence

from paperfeed.store.shapes import Opening, PendingCursor
from paperfeed.store.sql.base import SqlBase
from paperfeed.store.sql.newest import cursor_of, newest_first

# A paper needs its opening made when it has none in the current format: a paper whose title
# or abstract changes loses it (SQLite's openings_stale trigger; PostgreSQL's upsert_papers).
_JOINED = "FROM papers p LEFT JOIN paper_openings o ON o.paper_id = p.id"
_STALE = "(o.paper_id IS NULL OR o.format <> ?)"


class Openings(SqlBase):
    """The OpeningStore role."""

    def pending_openings(self, format_: int, *, limit: int, after: PendingCursor | None = None
                         ) -> list[tuple[str, str, str, PendingCursor]]:
        with self.reading() as conn:
            rows = newest_first(self, conn, f"SELECT p.id, p.day, p.title, p.abstract {_JOINED}",
                                _STALE, [format_], after=after, limit=limit)
        return [(str(r["id"]), str(r["title"]), str(r["abstract"]), cursor_of(r))
                for r in rows]

    def count_pending_openings(self, format_: int) -> int:
        with self.reading() as conn:
            return int(self.value(conn, f"SELECT count(*) {_JOINED} WHERE {_STALE}",
                                  [format_]))

    def put_openings(self, format_: int, rows: Sequence[tuple[str, Opening]]) -> None:
        if not rows:
            return
        with self.writing() as conn:
            self.run_many(conn, "INSERT INTO paper_openings (paper_id, format, stems, defines) "
                          "VALUES (?, ?, ?, ?) ON CONFLICT (paper_id) DO UPDATE SET format = "
                          "excluded.format, stems = excluded.stems, defines = excluded.defines",
                          [(pid, format_, o.stems, o.defines) for pid, o in rows])

    def openings(self, format_: int, paper_ids: Sequence[str]) -> dict[str, Opening]:
        out: dict[str, Opening] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(list(dict.fromkeys(paper_ids))):
                among, args = self.dialect.in_list("paper_id", chunk)
                rows = self.run(conn, "SELECT paper_id, stems, defines FROM paper_openings "
                                f"WHERE format = ? AND {among}", [format_, *args]).fetchall()
                out.update((str(r["paper_id"]), Opening(str(r["stems"]), str(r["defines"])))
                           for r in rows)
        return out
