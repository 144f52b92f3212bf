"""PostgreSQL's readers, votes, tokens and user-data export/import; mixed into PostgresStore."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from paperfeed.errors import NotFound, StoreError
from paperfeed.models import Paper
from paperfeed.store.postgres_base import Conn, PgBase, now, scalar
from paperfeed.store.transfer_rows import subscription_in, subscription_out


class PgUsers(PgBase):
    """Web (issue 5) and api/export (issue 7) methods of PostgresStore."""

    # -- web: readers, vote writes, single-use tokens, page-cache version -------------------

    def get_or_create_reader(self, email: str) -> int:
        address, stamp = email.strip().lower(), now()
        with self.autocommit() as conn:
            return int(scalar(
                conn, "INSERT INTO readers (email, created_at, last_seen) VALUES (%s, %s, %s) "
                "ON CONFLICT (email) DO UPDATE SET last_seen = excluded.last_seen RETURNING id",
                (address, stamp, stamp)))

    def session_epoch(self, reader_id: int) -> int | None:
        with self.autocommit() as conn:
            row = conn.execute("SELECT session_epoch FROM readers WHERE id = %s",
                               (reader_id,)).fetchone()
        return None if row is None else int(row["session_epoch"])

    def end_sessions(self, reader_id: int) -> None:
        with self.autocommit() as conn:
            conn.execute("UPDATE readers SET session_epoch = session_epoch + 1 WHERE id = %s",
                         (reader_id,))

    def toggle_vote(self, reader_id: int, paper_id: str) -> bool:
        try:
            with self.tx() as conn:
                voted = self._toggle(conn, reader_id, paper_id)
        except psycopg.errors.ForeignKeyViolation:
            raise NotFound(f"no paper {paper_id!r} or no reader {reader_id}") from None
        self.bump_data_version()
        return voted

    @staticmethod
    def _toggle(conn: Conn, reader_id: int, paper_id: str) -> bool:
        removed = conn.execute("DELETE FROM votes WHERE reader_id = %s AND paper_id = %s",
                               (reader_id, paper_id)).rowcount
        if removed:
            return False
        conn.execute("INSERT INTO votes (reader_id, paper_id, created_at) VALUES (%s, %s, %s) "
                     "ON CONFLICT DO NOTHING", (reader_id, paper_id, now()))
        return True

    def has_voted(self, reader_id: int, paper_ids: Sequence[str]) -> set[str]:
        with self.autocommit() as conn:
            rows = conn.execute("SELECT paper_id FROM votes WHERE reader_id = %s AND "
                                "paper_id = ANY(%s)",
                                (reader_id, list(dict.fromkeys(paper_ids)))).fetchall()
        return {str(r["paper_id"]) for r in rows}

    def spend_token(self, nonce: str) -> bool:
        with self.autocommit() as conn:
            return conn.execute("INSERT INTO spent_tokens (nonce, spent_at) VALUES (%s, %s) "
                                "ON CONFLICT DO NOTHING", (nonce, now())).rowcount == 1

    def forget_spent_tokens(self, before: datetime) -> int:
        with self.autocommit() as conn:
            return conn.execute("DELETE FROM spent_tokens WHERE spent_at < %s",
                                (before.astimezone(UTC).isoformat(timespec="seconds"),)).rowcount

    def data_version(self) -> str:
        # A sequence is not transactional: writers bump it after they commit, so a reader
        # never caches old data under a new version.
        with self.autocommit() as conn:
            return str(scalar(conn, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                                    "FROM data_version"))

    def neighbour_days(self, day: date) -> tuple[date | None, date | None]:
        with self.autocommit() as conn:
            row = conn.execute("SELECT (SELECT max(day) FROM papers WHERE day < %s) AS before, "
                               "(SELECT min(day) FROM papers WHERE day > %s) AS after",
                               (day.isoformat(), day.isoformat())).fetchone()
        assert row is not None
        before, after = (date.fromisoformat(v) if v else None
                         for v in (row["before"], row["after"]))
        return before, after

    # -- api/export: conditional GET, export and import of user data ------------------------

    def changed_at(self, paper_ids: Sequence[str]) -> datetime | None:
        ids = list(dict.fromkeys(paper_ids))
        with self.autocommit() as conn:
            row = conn.execute(
                "SELECT (SELECT max(modified_at) FROM papers WHERE id = ANY(%s)) AS p, "
                "(SELECT max(created_at) FROM votes WHERE paper_id = ANY(%s)) AS v",
                (ids, ids)).fetchone()
        newest = max((v for v in (row or {}).values() if v), default="")
        return datetime.fromisoformat(newest) if newest else None

    def iter_papers(self, *, batch: int = 1000) -> Iterator[Paper]:
        after = ""
        while True:
            with self.autocommit() as conn:
                ids = [r["id"] for r in conn.execute(
                    "SELECT id FROM papers WHERE id > %s ORDER BY id LIMIT %s", (after, batch))]
                found = self._fetch(conn, ids) if ids else {}
            if not ids:
                return
            yield from (found[i][0] for i in ids)
            after = ids[-1]

    def iter_votes(self) -> Iterator[tuple[str, str, datetime]]:
        with self.autocommit() as conn:
            rows = conn.execute("SELECT r.email, v.paper_id, v.created_at FROM votes v JOIN "
                                "readers r ON r.id = v.reader_id "
                                "ORDER BY r.email, v.paper_id").fetchall()
        for r in rows:
            yield str(r["email"]), str(r["paper_id"]), datetime.fromisoformat(r["created_at"])

    def add_votes(self, votes: Sequence[tuple[str, str, datetime]]) -> tuple[int, int, int]:
        added = present = skipped = 0
        with self.tx() as conn:
            for email, paper_id, cast in votes:
                if scalar(conn, "SELECT 1 FROM papers WHERE id = %s", (paper_id,)) is None:
                    skipped += 1
                    continue
                address = email.strip().lower()
                conn.execute("INSERT INTO readers (email, created_at) VALUES (%s, %s) "
                             "ON CONFLICT DO NOTHING", (address, now()))
                added_now = conn.execute(
                    "INSERT INTO votes (reader_id, paper_id, created_at) SELECT id, %s, %s "
                    "FROM readers WHERE email = %s ON CONFLICT DO NOTHING",
                    (paper_id, cast.astimezone(UTC).isoformat(), address)).rowcount
                added, present = added + added_now, present + (1 - added_now)
        if added:
            self.bump_data_version()
        return added, present, skipped

    def _subscription_columns(self, conn: Conn) -> list[str]:
        rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                            "table_schema = current_schema() AND table_name = 'subscriptions' "
                            "ORDER BY ordinal_position").fetchall()
        return [str(r["column_name"]) for r in rows]

    def iter_subscriptions(self) -> Iterator[dict[str, Any]]:
        with self.autocommit() as conn:
            columns = self._subscription_columns(conn)
            rows = conn.execute("SELECT * FROM subscriptions ORDER BY email").fetchall()
        yield from (subscription_out(row, columns) for row in rows)

    def put_subscriptions(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        added = updated = 0
        with self.tx() as conn:
            columns = self._subscription_columns(conn)
            for record in rows:
                try:
                    existed = self._put_subscription(conn, subscription_in(record, columns))
                except (ValueError, psycopg.Error) as exc:
                    raise StoreError(f"subscription {record.get('email')!r}: {exc}") from None
                added, updated = added + (not existed), updated + existed
        return added, updated

    @staticmethod
    def _put_subscription(conn: Conn, values: dict[str, Any]) -> bool:
        """Insert or replace one subscription; True when it existed before."""
        names = list(values)
        existed = scalar(conn, "SELECT 1 FROM subscriptions WHERE email = %s",
                         (values["email"],)) is not None
        conn.execute(
            f"INSERT INTO subscriptions ({', '.join(names)}) VALUES "
            f"({', '.join(['%s'] * len(names))}) ON CONFLICT (email) DO UPDATE SET "
            f"{', '.join(f'{n} = excluded.{n}' for n in names)}", [values[n] for n in names])
        return existed
