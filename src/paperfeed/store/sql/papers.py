"""Reading papers (by id, by day, for export, for listings) and the ingest state; written once.

Writing papers is the one place the backends part ways (SQLite stages rows and defers full
text in bulk, PostgreSQL COPYs and computes tsvectors): see each backend's papers.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta

from paperfeed.models import Paper, Version
from paperfeed.store.base import TextQuery
from paperfeed.store.records import COLUMNS, columns_to_paper
from paperfeed.store.shapes import ChangedPaper
from paperfeed.store.sql.base import Connection, SqlBase, now, utc_text
from paperfeed.store.sql.search import filters

SETTLED = timedelta(seconds=2)  # modified_at has one-second steps: younger changes are
# told apart by the data version

PAPER_COLUMNS = ", ".join(COLUMNS)


class Papers(SqlBase):
    """Paper reads, listing rows and the key-value state that ingest and search keep."""

    def _fetch(self, conn: Connection, ids: Sequence[str]) -> dict[str, tuple[Paper, str]]:
        """Stored papers among ids, each with its fingerprint."""
        found: dict[str, tuple[Paper, str]] = {}
        for chunk in self.dialect.chunks(ids):
            among, args = self.dialect.in_list("id", chunk)
            rows = self.run(conn, f"SELECT {PAPER_COLUMNS} FROM papers WHERE {among}",
                            args).fetchall()
            versions = self._versions(conn, [r["id"] for r in rows]) if rows else {}
            for r in rows:
                found[r["id"]] = (columns_to_paper(r, versions.get(r["id"], ())), r["fingerprint"])
        return found

    def _versions(self, conn: Connection, ids: list[str]) -> dict[str, tuple[Version, ...]]:
        among, args = self.dialect.in_list("paper_id", ids)
        out: dict[str, list[Version]] = {}
        for r in self.run(conn, f"SELECT paper_id, version, created FROM paper_versions "
                          f"WHERE {among} ORDER BY paper_id, version", args):
            created = r["created"]
            out.setdefault(r["paper_id"], []).append(
                Version(r["version"], datetime.fromisoformat(created) if created else None))
        return {k: tuple(v) for k, v in out.items()}

    def get_paper(self, paper_id: str) -> Paper | None:
        with self.reading() as conn:
            found = self._fetch(conn, [paper_id])
        return found[paper_id][0] if paper_id in found else None

    def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        with self.reading() as conn:
            found = self._fetch(conn, paper_ids)
        return [found[pid][0] for pid in paper_ids if pid in found]

    def texts(self, paper_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(list(dict.fromkeys(paper_ids))):
                among, args = self.dialect.in_list("id", chunk)
                rows = self.run(conn, f"SELECT id, title, abstract FROM papers WHERE {among}",
                                args).fetchall()
                out.update((str(r["id"]), (str(r["title"]), str(r["abstract"]))) for r in rows)
        return out

    def list_papers(self, *, limit: int, offset: int = 0, day_from: date | None = None,
                    day_to: date | None = None) -> list[Paper]:
        where, args = ["TRUE"], []
        if day_from is not None:
            where.append("day >= ?")
            args.append(day_from.isoformat())
        if day_to is not None:
            where.append("day <= ?")
            args.append(day_to.isoformat())
        order = f"ORDER BY day DESC{self.dialect.nulls_last}, id DESC"
        with self.reading() as conn:
            # the page's ids from the (day, id) index alone, then their rows: an offset skips
            # index entries, not whole rows (millions of them deep in a big archive)
            rows = self.run(conn, f"SELECT {PAPER_COLUMNS} FROM papers WHERE id IN (SELECT id "
                            f"FROM papers WHERE {' AND '.join(where)} {order} LIMIT ? OFFSET ?) "
                            f"{order}", [*args, limit, offset]).fetchall()
        return [columns_to_paper(r) for r in rows]

    def count_papers(self) -> int:
        with self.reading() as conn:
            return int(self.value(conn, "SELECT count(*) FROM papers"))

    def iter_papers(self, *, batch: int = 1000) -> Iterator[Paper]:
        after = ""
        while True:
            with self.reading() as conn:
                ids = [r["id"] for r in self.run(
                    conn, "SELECT id FROM papers WHERE id > ? ORDER BY id LIMIT ?",
                    (after, batch)).fetchall()]
                found = self._fetch(conn, ids) if ids else {}
            if not ids:
                return
            yield from (found[i][0] for i in ids)
            after = ids[-1]

    def neighbour_days(self, day: date) -> tuple[date | None, date | None]:
        with self.reading() as conn:
            # Days with submitted papers only count too (a reader put a paper on them).
            row = self.run(conn, "SELECT (SELECT max(d) FROM (SELECT max(day) AS d FROM papers "
                           "WHERE day < ? UNION ALL SELECT max(day) FROM paper_submissions "
                           "WHERE day < ?) AS b) AS before, (SELECT min(d) FROM (SELECT "
                           "min(day) AS d FROM papers WHERE day > ? UNION ALL SELECT min(day) "
                           "FROM paper_submissions WHERE day > ?) AS a) AS after",
                           (day.isoformat(),) * 4).fetchone()
        before, after = (date.fromisoformat(v) if v else None
                         for v in (row["before"], row["after"]))
        return before, after

    def papers_version(self) -> str:
        # The latest change's time (an index lookup); while it is too young to tell two
        # changes in one second apart, every write moves the value too.
        with self.reading() as conn:
            row = self.run(conn, "SELECT max(modified_at) AS m FROM papers", ()).fetchone()
        latest = str(row["m"] or "")
        if latest >= utc_text(datetime.now(UTC) - SETTLED):
            return f"{latest}|{self.data_version()}"
        return latest

    def changed_papers(self, *, after: tuple[str, str] | None, limit: int
                       ) -> list[ChangedPaper]:
        where, args = _changed_after(after)
        with self.reading() as conn:
            rows = self.run(conn, "SELECT id, title, abstract, day, categories, code_urls, "
                            f"github_repo, modified_at FROM papers WHERE {where} "
                            "ORDER BY modified_at, id LIMIT ?", [*args, limit]).fetchall()
        return [ChangedPaper(str(r["id"]), str(r["title"]), str(r["abstract"]), r["day"],
                             tuple(json.loads(r["categories"])),
                             r["code_urls"] != "[]" or r["github_repo"] is not None,
                             str(r["modified_at"])) for r in rows]

    def count_changed_papers(self, *, after: tuple[str, str] | None, cap: int) -> int:
        where, args = _changed_after(after)
        with self.reading() as conn:
            return int(self.value(conn, f"SELECT count(*) FROM (SELECT 1 FROM papers WHERE "
                                  f"{where} LIMIT ?) AS c", [*args, cap]))

    def changed_at(self, paper_ids: Sequence[str]) -> datetime | None:
        newest = ""
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                papers, args = self.dialect.in_list("id", chunk)
                votes, _ = self.dialect.in_list("paper_id", chunk)
                row = self.run(conn, f"SELECT (SELECT max(modified_at) FROM papers WHERE "
                               f"{papers}) AS p, (SELECT max(created_at) FROM votes WHERE "
                               f"{votes}) AS v", [*args, *args]).fetchone()
                newest = max([newest, *(v for v in (row["p"], row["v"]) if v)])
        return datetime.fromisoformat(newest) if newest else None

    def listing_rows(self, day_from: date, day_to: date, *,
                     categories: Sequence[str] = ()) -> list[tuple[str, date, datetime | None,
                                                                   int | None]]:
        where, args = filters(self.dialect, TextQuery(
            categories=tuple(categories), date_from=day_from, date_to=day_to))
        with self.reading() as conn:
            rows = self.run(conn, "SELECT p.id, p.day, p.published, p.upstream_upvotes FROM "
                            f"papers p WHERE {' AND '.join(where) or 'TRUE'}", args).fetchall()
        return [(str(r["id"]), date.fromisoformat(r["day"]),
                 datetime.fromisoformat(r["published"]) if r["published"] else None,
                 r["upstream_upvotes"]) for r in rows]

    # -- state ----------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        with self.reading() as conn:
            value = self.value(conn, "SELECT value FROM ingest_state WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_state(self, key: str, value: str) -> None:
        with self.writing_one() as conn:
            self.set_state_in(conn, key, value)

    def set_state_in(self, conn: Connection, key: str, value: str) -> None:
        """set_state inside the caller's transaction."""
        self.run(conn, "INSERT INTO ingest_state VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                 "SET value = excluded.value, updated_at = excluded.updated_at",
                 (key, value, now()))


def _changed_after(after: tuple[str, str] | None) -> tuple[str, list[str]]:
    """The condition (and its arguments) for papers after the cursor (modified_at, id): a
    range of the (modified_at, id) index."""
    if after is None:
        return "TRUE", []
    return "modified_at >= ? AND (modified_at > ? OR id > ?)", [after[0], after[0], after[1]]
