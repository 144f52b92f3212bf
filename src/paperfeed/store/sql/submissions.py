"""Papers readers put on a day's listing ("submitted by"); written once for both backends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from paperfeed.models import Submission
from paperfeed.store.sql.base import SqlBase, utc_text

_COLUMNS = "paper_id, day, display_name, submitted_at, reader_id"


def _submission(row: Any) -> Submission:
    return Submission(str(row["paper_id"]), date.fromisoformat(row["day"]),
                      str(row["display_name"]), datetime.fromisoformat(row["submitted_at"]),
                      None if row["reader_id"] is None else int(row["reader_id"]))


class Submissions(SqlBase):
    """One submission per paper per day; each new one moves the data version."""

    def add_submission(self, paper_id: str, day: date, *, reader_id: int | None,
                       display_name: str, now: datetime) -> bool:
        with self.writing() as conn:
            added = self.run(conn, f"INSERT INTO paper_submissions ({_COLUMNS}) VALUES "
                             "(?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             (paper_id, day.isoformat(), display_name, utc_text(now),
                              reader_id)).rowcount
        if added:
            self.data_changed()
        return bool(added)

    def submissions(self, paper_ids: Sequence[str]) -> dict[str, Submission]:
        out: dict[str, Submission] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("paper_id", chunk)
                for r in self.run(conn, f"SELECT {_COLUMNS} FROM paper_submissions WHERE "
                                  f"{among} ORDER BY day, submitted_at", args):
                    found = _submission(r)
                    out[found.paper_id] = found  # the latest wins
        return out

    def submitted_rows(self, day_from: date, day_to: date) -> list[tuple[str, date,
                                                                         datetime | None,
                                                                         int | None]]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT s.paper_id, s.day, s.submitted_at, "
                            "p.upstream_upvotes FROM paper_submissions s JOIN papers p ON "
                            "p.id = s.paper_id WHERE s.day >= ? AND s.day <= ? ORDER BY s.day",
                            (day_from.isoformat(), day_to.isoformat())).fetchall()
        return [(str(r["paper_id"]), date.fromisoformat(r["day"]),
                 datetime.fromisoformat(r["submitted_at"]), r["upstream_upvotes"])
                for r in rows]
