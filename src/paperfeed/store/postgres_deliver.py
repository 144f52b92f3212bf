"""PostgreSQL's half of digests: subscriptions, and claim-then-send rows; mixed into PostgresStore.

A claim is one INSERT ... ON CONFLICT DO UPDATE ... WHERE (free, expired, or due for retry):
PostgreSQL settles racing claims on the row itself, so of several workers exactly one wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from paperfeed.errors import NotFound
from paperfeed.models import Claim, Preferences, Subscription
from paperfeed.store.deliver_rows import SETTLED, prefs_values, row_to_subscription, ts
from paperfeed.store.postgres_base import Conn, PgBase

_PREFS = ("topics = %s, categories = %s, frequency = %s, weekday = %s, send_hour = %s, "
          "timezone = %s")


def _changed(conn: Conn, subscription_id: int) -> Subscription:
    row = conn.execute("SELECT * FROM subscriptions WHERE id = %s",
                       (subscription_id,)).fetchone()
    if row is None:
        raise NotFound(f"subscription {subscription_id} does not exist")
    return row_to_subscription(row)


class PgDeliver(PgBase):
    """Subscription and digest-send methods of PostgresStore."""

    # -- subscriptions ------------------------------------------------------------------

    def add_subscription(self, email: str, prefs: Preferences, *, status: str,
                         now: datetime) -> tuple[Subscription, bool]:
        confirmed = ts(now) if status == "active" else None
        with self.tx() as conn:
            created = conn.execute(
                "INSERT INTO subscriptions (email, topics, categories, frequency, weekday, "
                "send_hour, timezone, status, created_at, confirmed_at) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (email) DO NOTHING",
                (email, *prefs_values(prefs), status, ts(now), confirmed)).rowcount == 1
            row = conn.execute("SELECT * FROM subscriptions WHERE email = %s",
                               (email,)).fetchone()
        assert row is not None
        return row_to_subscription(row), created

    def get_subscription(self, subscription_id: int) -> Subscription | None:
        with self.autocommit() as conn:
            row = conn.execute("SELECT * FROM subscriptions WHERE id = %s",
                               (subscription_id,)).fetchone()
        return None if row is None else row_to_subscription(row)

    def find_subscription(self, email: str) -> Subscription | None:
        with self.autocommit() as conn:
            row = conn.execute("SELECT * FROM subscriptions WHERE email = %s",
                               (email,)).fetchone()
        return None if row is None else row_to_subscription(row)

    def list_subscriptions(self, *, status: str | None = None, after_id: int = 0,
                           limit: int = 1000) -> list[Subscription]:
        where = "id > %s" + (" AND status = %s" if status is not None else "")
        args = (after_id, *([status] if status is not None else []), limit)
        with self.autocommit() as conn:
            rows = conn.execute(f"SELECT * FROM subscriptions WHERE {where} ORDER BY id "
                                "LIMIT %s", args).fetchall()
        return [row_to_subscription(r) for r in rows]

    def update_preferences(self, subscription_id: int, prefs: Preferences) -> Subscription:
        with self.tx() as conn:
            conn.execute(f"UPDATE subscriptions SET {_PREFS} WHERE id = %s",
                         (*prefs_values(prefs), subscription_id))
            return _changed(conn, subscription_id)

    def set_subscription_status(self, subscription_id: int, status: str, *,
                                now: datetime) -> Subscription:
        with self.tx() as conn:
            if status == "active":
                conn.execute("UPDATE subscriptions SET status = %s, bounces = 0, confirmed_at "
                             "= coalesce(confirmed_at, %s) WHERE id = %s",
                             (status, ts(now), subscription_id))
            else:
                conn.execute("UPDATE subscriptions SET status = %s WHERE id = %s",
                             (status, subscription_id))
            return _changed(conn, subscription_id)

    def delete_subscription(self, subscription_id: int) -> bool:
        with self.autocommit() as conn:
            return conn.execute("DELETE FROM subscriptions WHERE id = %s",
                                (subscription_id,)).rowcount == 1

    def reserve_confirmation(self, subscription_id: int, *, now: datetime,
                             not_since: datetime) -> bool:
        with self.autocommit() as conn:
            return conn.execute(
                "UPDATE subscriptions SET confirm_sent_at = %s WHERE id = %s AND "
                "(confirm_sent_at IS NULL OR confirm_sent_at <= %s)",
                (ts(now), subscription_id, ts(not_since))).rowcount == 1

    def release_confirmation(self, subscription_id: int, *, reserved_at: datetime,
                             previous: datetime | None) -> None:
        with self.autocommit() as conn:
            conn.execute("UPDATE subscriptions SET confirm_sent_at = %s WHERE id = %s AND "
                         "confirm_sent_at = %s", (ts(previous) if previous else None,
                                                  subscription_id, ts(reserved_at)))

    def record_bounce(self, subscription_id: int, *, max_bounces: int) -> Subscription:
        with self.tx() as conn:
            conn.execute("UPDATE subscriptions SET bounces = bounces + 1, status = CASE WHEN "
                         "bounces + 1 >= %s AND status = 'active' THEN 'bouncing' ELSE status "
                         "END WHERE id = %s", (max_bounces, subscription_id))
            return _changed(conn, subscription_id)

    # -- digest sends -------------------------------------------------------------------

    def claim_digest(self, subscription_id: int, digest_date: date, *, worker: str,
                     now: datetime, expires: datetime) -> Claim | None:
        with self.autocommit() as conn:
            row = conn.execute(
                "INSERT INTO digest_sends (subscription_id, digest_date, status, claimed_by, "
                "claim_expires, attempts) VALUES (%s, %s, 'claimed', %s, %s, 1) "
                "ON CONFLICT (subscription_id, digest_date) DO UPDATE SET status = 'claimed', "
                "claimed_by = excluded.claimed_by, claim_expires = excluded.claim_expires, "
                "attempts = digest_sends.attempts + 1, retry_at = NULL "
                "WHERE (digest_sends.status = 'claimed' AND digest_sends.claim_expires <= %s) "
                "OR (digest_sends.status = 'failed' AND digest_sends.retry_at <= %s) "
                "RETURNING attempts, message_id",
                (subscription_id, digest_date.isoformat(), worker, ts(expires), ts(now),
                 ts(now))).fetchone()
        if row is None:
            return None
        return Claim(subscription_id, digest_date, worker, int(row["attempts"]),
                     row["message_id"])

    def commit_digest(self, claim: Claim, *, message_id: str, paper_ids: Sequence[str],
                      now: datetime) -> bool:
        day = claim.digest_date.isoformat()
        with self.tx() as conn:
            if conn.execute(
                    "UPDATE digest_sends SET status = 'sent', message_id = %s, sent_at = %s, "
                    "error = NULL WHERE subscription_id = %s AND digest_date = %s AND "
                    "status = 'claimed' AND claimed_by = %s",
                    (message_id, ts(now), claim.subscription_id, day,
                     claim.worker)).rowcount != 1:
                return False
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO digest_items VALUES (%s, %s, %s) "
                                "ON CONFLICT DO NOTHING",
                                [(claim.subscription_id, pid, day) for pid in paper_ids])
            conn.execute("UPDATE subscriptions SET last_digest_date = greatest(coalesce("
                         "last_digest_date, ''), %s) WHERE id = %s",
                         (day, claim.subscription_id))
        return True

    def fail_digest(self, claim: Claim, *, error: str, retry_at: datetime | None,
                    now: datetime) -> bool:
        day = claim.digest_date.isoformat()
        with self.tx() as conn:
            if conn.execute(
                    "UPDATE digest_sends SET status = 'failed', error = %s, retry_at = %s, "
                    "sent_at = NULL WHERE subscription_id = %s AND digest_date = %s AND "
                    "status IN ('claimed', 'sent') AND claimed_by = %s",
                    (error[:1000], ts(retry_at) if retry_at else None, claim.subscription_id,
                     day, claim.worker)).rowcount != 1:
                return False
            conn.execute("DELETE FROM digest_items WHERE subscription_id = %s AND "
                         "digest_date = %s", (claim.subscription_id, day))
            conn.execute("UPDATE subscriptions SET last_digest_date = (SELECT max(digest_date) "
                         "FROM digest_sends WHERE subscription_id = %s AND status = 'sent') "
                         "WHERE id = %s", (claim.subscription_id, claim.subscription_id))
        return True

    def skip_digest(self, claim: Claim, *, reason: str, now: datetime) -> bool:
        with self.autocommit() as conn:
            return conn.execute(
                "UPDATE digest_sends SET status = 'skipped', error = %s, sent_at = %s "
                "WHERE subscription_id = %s AND digest_date = %s AND status = 'claimed' AND "
                "claimed_by = %s", (reason[:1000], ts(now), claim.subscription_id,
                                    claim.digest_date.isoformat(), claim.worker)).rowcount == 1

    def settled_digests(self, digest_dates: Sequence[date]) -> set[tuple[int, date]]:
        days = sorted({d.isoformat() for d in digest_dates})
        if not days:
            return set()
        with self.autocommit() as conn:
            rows = conn.execute(f"SELECT subscription_id, digest_date FROM digest_sends WHERE "
                                f"digest_date = ANY(%s) AND {SETTLED}", (days,)).fetchall()
        return {(int(r["subscription_id"]), date.fromisoformat(r["digest_date"])) for r in rows}

    def sent_paper_ids(self, subscription_id: int) -> set[str]:
        with self.autocommit() as conn:
            rows = conn.execute("SELECT paper_id FROM digest_items WHERE subscription_id = %s",
                                (subscription_id,)).fetchall()
        return {str(r["paper_id"]) for r in rows}

    def count_digest_sends(self, digest_date: date | None = None) -> dict[str, int]:
        where, args = ("WHERE digest_date = %s", [digest_date.isoformat()]) if digest_date \
            else ("", [])
        with self.autocommit() as conn:
            rows = conn.execute(f"SELECT status, count(*) AS n FROM digest_sends {where} "
                                "GROUP BY status", args).fetchall()
        return {str(r["status"]): int(r["n"]) for r in rows}
