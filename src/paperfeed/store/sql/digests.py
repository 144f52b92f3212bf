"""SQLite's half of digests (issue 6): subscriptions, and claim-then-send rows for digests.

Mixed into SqliteStore. Claims are conditional inserts/updates inside one BEGIN IMMEDIATE
transaction, so two workers (threads or processes) never both hold one (subscription, day).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime

from paperfeed.errors import NotFound
from paperfeed.models import Claim, Preferences, Subscription
from paperfeed.store.deliver_rows import SETTLED, prefs_values, row_to_subscription, ts

_PREFS = "topics = ?, categories = ?, frequency = ?, weekday = ?, send_hour = ?, timezone = ?"


class SqliteDeliver:
    """Subscription and digest-send methods of SqliteStore."""

    def conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def write(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    # -- subscriptions ------------------------------------------------------------------

    def add_subscription(self, email: str, prefs: Preferences, *, status: str,
                         now: datetime) -> tuple[Subscription, bool]:
        confirmed = ts(now) if status == "active" else None
        with self.write() as conn:
            created = conn.execute(
                "INSERT INTO subscriptions (email, topics, categories, frequency, weekday, "
                "send_hour, timezone, status, created_at, confirmed_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(email) DO NOTHING",
                (email, *prefs_values(prefs), status, ts(now), confirmed)).rowcount == 1
            row = conn.execute("SELECT * FROM subscriptions WHERE email = ?",
                               (email,)).fetchone()
        return row_to_subscription(row), created

    def get_subscription(self, subscription_id: int) -> Subscription | None:
        row = self.conn().execute("SELECT * FROM subscriptions WHERE id = ?",
                                  (subscription_id,)).fetchone()
        return None if row is None else row_to_subscription(row)

    def find_subscription(self, email: str) -> Subscription | None:
        row = self.conn().execute("SELECT * FROM subscriptions WHERE email = ?",
                                  (email,)).fetchone()
        return None if row is None else row_to_subscription(row)

    def list_subscriptions(self, *, status: str | None = None, after_id: int = 0,
                           limit: int = 1000) -> list[Subscription]:
        where = "id > ?"
        if status is not None:
            where += " AND status = ?"
        args = (after_id, *([status] if status is not None else []), limit)
        rows = self.conn().execute(f"SELECT * FROM subscriptions WHERE {where} ORDER BY id "
                                   "LIMIT ?", args).fetchall()
        return [row_to_subscription(r) for r in rows]

    def _changed(self, conn: sqlite3.Connection, subscription_id: int) -> Subscription:
        row = conn.execute("SELECT * FROM subscriptions WHERE id = ?",
                           (subscription_id,)).fetchone()
        if row is None:
            raise NotFound(f"subscription {subscription_id} does not exist")
        return row_to_subscription(row)

    def update_preferences(self, subscription_id: int, prefs: Preferences) -> Subscription:
        with self.write() as conn:
            conn.execute(f"UPDATE subscriptions SET {_PREFS} WHERE id = ?",
                         (*prefs_values(prefs), subscription_id))
            return self._changed(conn, subscription_id)

    def set_subscription_status(self, subscription_id: int, status: str, *,
                                now: datetime) -> Subscription:
        with self.write() as conn:
            if status == "active":
                conn.execute("UPDATE subscriptions SET status = ?, bounces = 0, confirmed_at = "
                             "coalesce(confirmed_at, ?) WHERE id = ?",
                             (status, ts(now), subscription_id))
            else:
                conn.execute("UPDATE subscriptions SET status = ? WHERE id = ?",
                             (status, subscription_id))
            return self._changed(conn, subscription_id)

    def delete_subscription(self, subscription_id: int) -> bool:
        with self.write() as conn:
            return conn.execute("DELETE FROM subscriptions WHERE id = ?",
                                (subscription_id,)).rowcount == 1

    def reserve_confirmation(self, subscription_id: int, *, now: datetime,
                             not_since: datetime) -> bool:
        with self.write() as conn:
            return conn.execute(
                "UPDATE subscriptions SET confirm_sent_at = ? WHERE id = ? AND "
                "(confirm_sent_at IS NULL OR confirm_sent_at <= ?)",
                (ts(now), subscription_id, ts(not_since))).rowcount == 1

    def release_confirmation(self, subscription_id: int, *, reserved_at: datetime,
                             previous: datetime | None) -> None:
        with self.write() as conn:
            conn.execute("UPDATE subscriptions SET confirm_sent_at = ? WHERE id = ? AND "
                         "confirm_sent_at = ?", (ts(previous) if previous else None,
                                                 subscription_id, ts(reserved_at)))

    def record_bounce(self, subscription_id: int, *, max_bounces: int) -> Subscription:
        with self.write() as conn:
            conn.execute("UPDATE subscriptions SET bounces = bounces + 1, status = CASE WHEN "
                         "bounces + 1 >= ? AND status = 'active' THEN 'bouncing' ELSE status "
                         "END WHERE id = ?", (max_bounces, subscription_id))
            return self._changed(conn, subscription_id)

    # -- digest sends -------------------------------------------------------------------

    def claim_digest(self, subscription_id: int, digest_date: date, *, worker: str,
                     now: datetime, expires: datetime) -> Claim | None:
        with self.write() as conn:
            row = conn.execute(
                "INSERT INTO digest_sends (subscription_id, digest_date, status, claimed_by, "
                "claim_expires, attempts) VALUES (?, ?, 'claimed', ?, ?, 1) "
                "ON CONFLICT (subscription_id, digest_date) DO UPDATE SET status = 'claimed', "
                "claimed_by = excluded.claimed_by, claim_expires = excluded.claim_expires, "
                "attempts = digest_sends.attempts + 1, retry_at = NULL "
                "WHERE (digest_sends.status = 'claimed' AND digest_sends.claim_expires <= ?) "
                "OR (digest_sends.status = 'failed' AND digest_sends.retry_at <= ?) "
                "RETURNING attempts, message_id",
                (subscription_id, digest_date.isoformat(), worker, ts(expires), ts(now),
                 ts(now))).fetchone()
        if row is None:
            return None
        return Claim(subscription_id, digest_date, worker, int(row[0]), row[1])

    def commit_digest(self, claim: Claim, *, message_id: str, paper_ids: Sequence[str],
                      now: datetime) -> bool:
        day = claim.digest_date.isoformat()
        with self.write() as conn:
            if conn.execute(
                    "UPDATE digest_sends SET status = 'sent', message_id = ?, sent_at = ?, "
                    "error = NULL WHERE subscription_id = ? AND digest_date = ? AND "
                    "status = 'claimed' AND claimed_by = ?",
                    (message_id, ts(now), claim.subscription_id, day,
                     claim.worker)).rowcount != 1:
                return False
            conn.executemany("INSERT OR IGNORE INTO digest_items VALUES (?, ?, ?)",
                             [(claim.subscription_id, pid, day) for pid in paper_ids])
            conn.execute("UPDATE subscriptions SET last_digest_date = max(coalesce("
                         "last_digest_date, ''), ?) WHERE id = ?", (day, claim.subscription_id))
        return True

    def fail_digest(self, claim: Claim, *, error: str, retry_at: datetime | None,
                    now: datetime) -> bool:
        day = claim.digest_date.isoformat()
        with self.write() as conn:
            if conn.execute(
                    "UPDATE digest_sends SET status = 'failed', error = ?, retry_at = ?, "
                    "sent_at = NULL WHERE subscription_id = ? AND digest_date = ? AND "
                    "status IN ('claimed', 'sent') AND claimed_by = ?",
                    (error[:1000], ts(retry_at) if retry_at else None, claim.subscription_id,
                     day, claim.worker)).rowcount != 1:
                return False
            conn.execute("DELETE FROM digest_items WHERE subscription_id = ? AND "
                         "digest_date = ?", (claim.subscription_id, day))
            conn.execute("UPDATE subscriptions SET last_digest_date = (SELECT max(digest_date) "
                         "FROM digest_sends WHERE subscription_id = ? AND status = 'sent') "
                         "WHERE id = ?", (claim.subscription_id, claim.subscription_id))
        return True

    def skip_digest(self, claim: Claim, *, reason: str, now: datetime) -> bool:
        with self.write() as conn:
            return conn.execute(
                "UPDATE digest_sends SET status = 'skipped', error = ?, sent_at = ? "
                "WHERE subscription_id = ? AND digest_date = ? AND status = 'claimed' AND "
                "claimed_by = ?", (reason[:1000], ts(now), claim.subscription_id,
                                   claim.digest_date.isoformat(), claim.worker)).rowcount == 1

    def settled_digests(self, digest_dates: Sequence[date]) -> set[tuple[int, date]]:
        days = sorted({d.isoformat() for d in digest_dates})
        if not days:
            return set()
        marks = ", ".join("?" * len(days))
        rows = self.conn().execute(
            f"SELECT subscription_id, digest_date FROM digest_sends WHERE digest_date IN "
            f"({marks}) AND {SETTLED}", days).fetchall()
        return {(int(r[0]), date.fromisoformat(r[1])) for r in rows}

    def sent_paper_ids(self, subscription_id: int) -> set[str]:
        rows = self.conn().execute("SELECT paper_id FROM digest_items WHERE subscription_id = ?",
                                   (subscription_id,)).fetchall()
        return {str(r[0]) for r in rows}

    def count_digest_sends(self, digest_date: date | None = None) -> dict[str, int]:
        where, args = ("WHERE digest_date = ?", [digest_date.isoformat()]) if digest_date \
            else ("", [])
        rows = self.conn().execute(f"SELECT status, count(*) FROM digest_sends {where} "
                                   "GROUP BY status", args).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}
