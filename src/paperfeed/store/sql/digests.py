"""Digest sends: claim, commit, fail, skip; written once for both backends.

A claim is one INSERT ... ON CONFLICT DO UPDATE ... WHERE (free, expired, or due for retry):
SQLite runs it inside BEGIN IMMEDIATE, PostgreSQL settles racing claims on the row itself,
so of several workers (threads or processes) exactly one holds a (subscription, day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from paperfeed.models import Claim
from paperfeed.store.sql.base import SqlBase
from paperfeed.store.sql.rows import SETTLED, ts


class Digests(SqlBase):
    """Claim-then-send rows of digests, and what each subscription was sent."""

    def claim_digest(self, subscription_id: int, digest_date: date, *, worker: str,
                     now: datetime, expires: datetime) -> Claim | None:
        with self.writing_one() as conn:
            row = self.run(
                conn, "INSERT INTO digest_sends (subscription_id, digest_date, status, "
                "claimed_by, claim_expires, attempts) VALUES (?, ?, 'claimed', ?, ?, 1) "
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
        return Claim(subscription_id, digest_date, worker, int(row["attempts"]),
                     row["message_id"])

    def commit_digest(self, claim: Claim, *, message_id: str, paper_ids: Sequence[str],
                      now: datetime) -> bool:
        day = claim.digest_date.isoformat()
        with self.writing() as conn:
            if self.run(
                    conn, "UPDATE digest_sends SET status = 'sent', message_id = ?, sent_at = ?, "
                    "error = NULL WHERE subscription_id = ? AND digest_date = ? AND "
                    "status = 'claimed' AND claimed_by = ?",
                    (message_id, ts(now), claim.subscription_id, day,
                     claim.worker)).rowcount != 1:
                return False
            self.run_many(conn, "INSERT INTO digest_items VALUES (?, ?, ?) "
                          "ON CONFLICT DO NOTHING",
                          [(claim.subscription_id, pid, day) for pid in paper_ids])
            self.run(conn, f"UPDATE subscriptions SET last_digest_date = {self.dialect.greatest}("
                     "coalesce(last_digest_date, ''), ?) WHERE id = ?",
                     (day, claim.subscription_id))
        return True

    def fail_digest(self, claim: Claim, *, error: str, retry_at: datetime | None,
                    now: datetime) -> bool:
        day = claim.digest_date.isoformat()
        with self.writing() as conn:
            if self.run(
                    conn, "UPDATE digest_sends SET status = 'failed', error = ?, retry_at = ?, "
                    "sent_at = NULL WHERE subscription_id = ? AND digest_date = ? AND "
                    "status IN ('claimed', 'sent') AND claimed_by = ?",
                    (error[:1000], ts(retry_at) if retry_at else None, claim.subscription_id,
                     day, claim.worker)).rowcount != 1:
                return False
            self.run(conn, "DELETE FROM digest_items WHERE subscription_id = ? AND "
                     "digest_date = ?", (claim.subscription_id, day))
            self.run(conn, "UPDATE subscriptions SET last_digest_date = (SELECT "
                     "max(digest_date) FROM digest_sends WHERE subscription_id = ? AND "
                     "status = 'sent') WHERE id = ?",
                     (claim.subscription_id, claim.subscription_id))
        return True

    def skip_digest(self, claim: Claim, *, reason: str, now: datetime) -> bool:
        with self.writing_one() as conn:
            return self.run(
                conn, "UPDATE digest_sends SET status = 'skipped', error = ?, sent_at = ? "
                "WHERE subscription_id = ? AND digest_date = ? AND status = 'claimed' AND "
                "claimed_by = ?", (reason[:1000], ts(now), claim.subscription_id,
                                   claim.digest_date.isoformat(), claim.worker)).rowcount == 1

    def settled_digests(self, digest_dates: Sequence[date]) -> set[tuple[int, date]]:
        days = sorted({d.isoformat() for d in digest_dates})
        if not days:
            return set()
        among, args = self.dialect.in_list("digest_date", days)
        with self.reading() as conn:
            rows = self.run(conn, f"SELECT subscription_id, digest_date FROM digest_sends "
                            f"WHERE {among} AND {SETTLED}", args).fetchall()
        return {(int(r["subscription_id"]), date.fromisoformat(r["digest_date"])) for r in rows}

    def sent_paper_ids(self, subscription_id: int) -> set[str]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT paper_id FROM digest_items WHERE subscription_id = ?",
                            (subscription_id,)).fetchall()
        return {str(r["paper_id"]) for r in rows}

    def count_digest_sends(self, digest_date: date | None = None) -> dict[str, int]:
        where, args = ("WHERE digest_date = ?", [digest_date.isoformat()]) if digest_date \
            else ("", [])
        with self.reading() as conn:
            rows = self.run(conn, f"SELECT status, count(*) AS n FROM digest_sends {where} "
                            "GROUP BY status", args).fetchall()
        return {str(r["status"]): int(r["n"]) for r in rows}
