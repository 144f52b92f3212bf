"""Subscriptions: opt-in rows, their preferences and status, export and import; written once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from paperfeed.errors import NotFound, StoreError
from paperfeed.models import Preferences, Subscription
from paperfeed.store.sql.base import Connection, SqlBase
from paperfeed.store.sql.rows import (
    prefs_values,
    row_to_subscription,
    subscription_in,
    subscription_out,
    ts,
)

_PREFS = "topics = ?, categories = ?, frequency = ?, weekday = ?, send_hour = ?, timezone = ?"


class Subscriptions(SqlBase):
    """One subscription per address; changes that return it read it back in their transaction."""

    def add_subscription(self, email: str, prefs: Preferences, *, status: str,
                         now: datetime) -> tuple[Subscription, bool]:
        confirmed = ts(now) if status == "active" else None
        with self.writing() as conn:
            created = self.run(
                conn, "INSERT INTO subscriptions (email, topics, categories, frequency, weekday, "
                "send_hour, timezone, status, created_at, confirmed_at, reader_id) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT id FROM readers WHERE email = ?)) "
                "ON CONFLICT (email) DO NOTHING",
                (email, *prefs_values(prefs), status, ts(now), confirmed, email)).rowcount == 1
            row = self.run(conn, "SELECT * FROM subscriptions WHERE email = ?",
                           (email,)).fetchone()
        return row_to_subscription(row), created

    def get_subscription(self, subscription_id: int) -> Subscription | None:
        with self.reading() as conn:
            row = self.run(conn, "SELECT * FROM subscriptions WHERE id = ?",
                           (subscription_id,)).fetchone()
        return None if row is None else row_to_subscription(row)

    def find_subscription(self, email: str) -> Subscription | None:
        with self.reading() as conn:
            row = self.run(conn, "SELECT * FROM subscriptions WHERE email = ?",
                           (email,)).fetchone()
        return None if row is None else row_to_subscription(row)

    def forget_pending(self, before: datetime) -> int:
        with self.writing_one() as conn:
            return self.run(conn, "DELETE FROM subscriptions WHERE status = 'pending' AND "
                            "confirmed_at IS NULL AND coalesce(confirm_sent_at, created_at) < ?",
                            (ts(before),)).rowcount

    def count_pending(self) -> int:
        with self.reading() as conn:
            return int(self.value(conn, "SELECT count(*) FROM subscriptions WHERE status = "
                                  "'pending'"))

    def list_subscriptions(self, *, status: str | None = None, after_id: int = 0,
                           limit: int = 1000) -> list[Subscription]:
        where = "id > ?" + (" AND status = ?" if status is not None else "")
        args = (after_id, *([status] if status is not None else []), limit)
        with self.reading() as conn:
            rows = self.run(conn, f"SELECT * FROM subscriptions WHERE {where} ORDER BY id "
                            "LIMIT ?", args).fetchall()
        return [row_to_subscription(r) for r in rows]

    def _changed(self, conn: Connection, subscription_id: int) -> Subscription:
        row = self.run(conn, "SELECT * FROM subscriptions WHERE id = ?",
                       (subscription_id,)).fetchone()
        if row is None:
            raise NotFound(f"subscription {subscription_id} does not exist")
        return row_to_subscription(row)

    def update_preferences(self, subscription_id: int, prefs: Preferences) -> Subscription:
        with self.writing() as conn:
            self.run(conn, f"UPDATE subscriptions SET {_PREFS} WHERE id = ?",
                     (*prefs_values(prefs), subscription_id))
            return self._changed(conn, subscription_id)

    def set_subscription_status(self, subscription_id: int, status: str, *,
                                now: datetime) -> Subscription:
        with self.writing() as conn:
            if status == "active":
                self.run(conn, "UPDATE subscriptions SET status = ?, bounces = 0, confirmed_at = "
                         "coalesce(confirmed_at, ?) WHERE id = ?",
                         (status, ts(now), subscription_id))
            else:
                self.run(conn, "UPDATE subscriptions SET status = ? WHERE id = ?",
                         (status, subscription_id))
            return self._changed(conn, subscription_id)

    def delete_subscription(self, subscription_id: int) -> bool:
        with self.writing_one() as conn:
            return self.run(conn, "DELETE FROM subscriptions WHERE id = ?",
                            (subscription_id,)).rowcount == 1

    def reserve_confirmation(self, subscription_id: int, *, now: datetime,
                             not_since: datetime) -> bool:
        with self.writing_one() as conn:
            return self.run(
                conn, "UPDATE subscriptions SET confirm_sent_at = ? WHERE id = ? AND "
                "(confirm_sent_at IS NULL OR confirm_sent_at <= ?)",
                (ts(now), subscription_id, ts(not_since))).rowcount == 1

    def release_confirmation(self, subscription_id: int, *, reserved_at: datetime,
                             previous: datetime | None) -> None:
        with self.writing_one() as conn:
            self.run(conn, "UPDATE subscriptions SET confirm_sent_at = ? WHERE id = ? AND "
                     "confirm_sent_at = ?", (ts(previous) if previous else None,
                                             subscription_id, ts(reserved_at)))

    def record_bounce(self, subscription_id: int, *, max_bounces: int) -> Subscription:
        with self.writing() as conn:
            self.run(conn, "UPDATE subscriptions SET bounces = bounces + 1, status = CASE WHEN "
                     "bounces + 1 >= ? AND status = 'active' THEN 'bouncing' ELSE status "
                     "END WHERE id = ?", (max_bounces, subscription_id))
            return self._changed(conn, subscription_id)

    # -- export and import ----------------------------------------------------------------

    def iter_subscriptions(self) -> Iterator[dict[str, Any]]:
        with self.reading() as conn:
            columns = self.table_columns(conn, "subscriptions")
            rows = self.run(conn, "SELECT * FROM subscriptions ORDER BY email").fetchall()
        yield from (subscription_out(row, columns) for row in rows)

    def put_subscriptions(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        added = updated = 0
        with self.writing() as conn:
            columns = self.table_columns(conn, "subscriptions")
            for record in rows:
                try:
                    existed = self._put_subscription(conn, subscription_in(record, columns))
                except (ValueError, self.database_error) as exc:
                    raise StoreError(f"subscription {record.get('email')!r}: {exc}") from None
                added, updated = added + (not existed), updated + existed
            self.run(conn, "UPDATE subscriptions SET reader_id = (SELECT r.id FROM readers r "
                     "WHERE r.email = subscriptions.email) WHERE reader_id IS NULL")
        return added, updated

    def _put_subscription(self, conn: Connection, values: dict[str, Any]) -> bool:
        """Insert or replace one subscription; True when it existed before."""
        names = list(values)
        existed = self.value(conn, "SELECT 1 FROM subscriptions WHERE email = ?",
                             (values["email"],)) is not None
        self.run(conn, f"INSERT INTO subscriptions ({', '.join(names)}) VALUES "
                 f"({', '.join('?' * len(names))}) ON CONFLICT (email) DO UPDATE SET "
                 f"{', '.join(f'{n} = excluded.{n}' for n in names)}", [values[n] for n in names])
        return existed
