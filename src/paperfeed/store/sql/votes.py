"""Votes: cast, withdrawn, counted, exported and imported; written once for both backends."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from paperfeed.errors import NotFound
from paperfeed.store.sql.base import Connection, SqlBase, now, utc_text


class Votes(SqlBase):
    """One vote per reader per paper; every change moves the data version."""

    def toggle_vote(self, reader_id: int, paper_id: str) -> bool:
        try:
            with self.writing() as conn:
                voted = self._toggle(conn, reader_id, paper_id)
        except self.integrity_error:
            raise NotFound(f"no paper {paper_id!r} or no reader {reader_id}") from None
        self.data_changed()
        return voted

    def _toggle(self, conn: Connection, reader_id: int, paper_id: str) -> bool:
        removed = self.run(conn, "DELETE FROM votes WHERE reader_id = ? AND paper_id = ?",
                           (reader_id, paper_id)).rowcount
        if removed:
            return False
        self.run(conn, "INSERT INTO votes (reader_id, paper_id, created_at) VALUES (?, ?, ?) "
                 "ON CONFLICT DO NOTHING", (reader_id, paper_id, now()))
        return True

    def has_voted(self, reader_id: int, paper_ids: Sequence[str]) -> set[str]:
        voted = set[str]()
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("paper_id", chunk)
                rows = self.run(conn, f"SELECT paper_id FROM votes WHERE reader_id = ? AND "
                                f"{among}", [reader_id, *args])
                voted.update(str(r["paper_id"]) for r in rows)
        return voted

    def vote_counts(self, paper_ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("paper_id", chunk)
                rows = self.run(conn, f"SELECT paper_id, count(*) AS n FROM votes WHERE {among} "
                                "GROUP BY paper_id", args)
                out.update((str(r["paper_id"]), int(r["n"])) for r in rows)
        return out

    def vote_times(self, since: datetime,
                   paper_ids: Sequence[str] | None = None) -> dict[str, list[datetime]]:
        batches = [None] if paper_ids is None else list(self.dialect.chunks(paper_ids))
        out: dict[str, list[datetime]] = {}
        with self.reading() as conn:
            for ids in batches:
                among, args = self.dialect.in_list("paper_id", ids) if ids else ("", [])
                rows = self.run(conn, "SELECT paper_id, created_at FROM votes WHERE "
                                f"created_at >= ?{' AND ' + among if among else ''} "
                                "ORDER BY created_at", [utc_text(since), *args])
                for r in rows:
                    out.setdefault(str(r["paper_id"]), []).append(
                        datetime.fromisoformat(r["created_at"]))
        return out

    def iter_votes(self) -> Iterator[tuple[str, str, datetime]]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT r.email, v.paper_id, v.created_at FROM votes v JOIN "
                            "readers r ON r.id = v.reader_id "
                            "ORDER BY r.email, v.paper_id").fetchall()
        for r in rows:
            yield str(r["email"]), str(r["paper_id"]), datetime.fromisoformat(r["created_at"])

    def add_votes(self, votes: Sequence[tuple[str, str, datetime]]) -> tuple[int, int, int]:
        added = present = skipped = 0
        with self.writing() as conn:
            for email, paper_id, cast in votes:
                if self.value(conn, "SELECT 1 FROM papers WHERE id = ?", (paper_id,)) is None:
                    skipped += 1
                    continue
                address = email.strip().lower()
                self.run(conn, "INSERT INTO readers (email, created_at) VALUES (?, ?) "
                         "ON CONFLICT DO NOTHING", (address, now()))
                added_now = self.run(
                    conn, "INSERT INTO votes (reader_id, paper_id, created_at) SELECT id, ?, ? "
                    "FROM readers WHERE email = ? ON CONFLICT DO NOTHING",
                    (paper_id, cast.astimezone(UTC).isoformat(), address)).rowcount
                added, present = added + added_now, present + (1 - added_now)
        if added:
            self.data_changed()
        return added, present, skipped
