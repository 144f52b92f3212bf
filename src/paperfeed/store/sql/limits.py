"""Rate limits kept in the database, so that every web and worker process counts together."""

from __future__ import annotations

from datetime import datetime, timedelta

from paperfeed.store.sql.base import SqlBase
from paperfeed.store.sql.rows import ts


class Limits(SqlBase):
    """A sliding-window limiter over the table limit_hits (one row per allowed hit)."""

    def hit_limit(self, key: str, *, limit: int, window: timedelta,
                  now: datetime) -> float | None:
        """Count one hit on key at now, unless key already had `limit` hits in the `window`
        before now: then nothing is counted and the answer is the seconds until the oldest
        of those leaves the window (a Retry-After). None: the hit is allowed (and counted).

        Any caller may limit anything by choosing its own key, e.g. "signin:<address>" with
        limit=1 per minute, or "mail:<address>" with 5 per day; keys share one table.
        The check and the count are one transaction, serialised per key (SQLite: the write
        lock; PostgreSQL: an advisory lock on the key), so processes racing on a key never
        both get the last free hit. Rows are dropped once their window has passed, at the
        next hit on any key. now must be timezone-aware.
        """
        if limit < 1 or window <= timedelta(0):
            raise ValueError("hit_limit needs limit >= 1 and a positive window")
        since = now - window
        with self.writing() as conn:
            if self.dialect.key_lock:
                self.run(conn, self.dialect.key_lock, (key,))
            self.run(conn, "DELETE FROM limit_hits WHERE expires_at <= ?", (ts(now),))
            row = self.run(conn, "SELECT count(*) AS n, min(hit_at) AS oldest FROM limit_hits "
                           "WHERE key = ? AND hit_at > ?", (key, ts(since))).fetchone()
            if int(row["n"]) >= limit:
                oldest = datetime.fromisoformat(row["oldest"])
                return max(0.001, (oldest + window - now).total_seconds())
            self.run(conn, "INSERT INTO limit_hits (key, hit_at, expires_at) VALUES (?, ?, ?)",
                     (key, ts(now), ts(now + window)))
        return None

    def forget_hits(self, key: str) -> None:
        """Drop every hit counted on key (the action it limited did not happen after all)."""
        with self.writing_one() as conn:
            self.run(conn, "DELETE FROM limit_hits WHERE key = ?", (key,))
