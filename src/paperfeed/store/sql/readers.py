"""Readers, their sessions and single-use tokens: written once for both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from paperfeed.store.sql.base import SqlBase, now


class Readers(SqlBase):
    """Who signed in, which session epoch they are in, and which sign-in links are spent."""

    def get_or_create_reader(self, email: str) -> int:
        address, stamp = email.strip().lower(), now()
        with self.writing() as conn:
            reader = int(self.value(
                conn, "INSERT INTO readers (email, created_at, last_seen) VALUES (?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET last_seen = excluded.last_seen RETURNING id",
                (address, stamp, stamp)))
            # one person, one account: their subscription (same address) is theirs
            self.run(conn, "UPDATE subscriptions SET reader_id = ? WHERE email = ? AND "
                     "reader_id IS NULL", (reader, address))
        return reader

    def session_epoch(self, reader_id: int) -> int | None:
        with self.reading() as conn:
            epoch = self.value(conn, "SELECT session_epoch FROM readers WHERE id = ?",
                               (reader_id,))
        return None if epoch is None else int(epoch)

    def reader_session(self, reader_id: int) -> tuple[int, str] | None:
        with self.reading() as conn:
            row = self.run(conn, "SELECT session_epoch, email FROM readers WHERE id = ?",
                           (reader_id,)).fetchone()
        return None if row is None else (int(row["session_epoch"]), str(row["email"]))

    def end_sessions(self, reader_id: int) -> None:
        with self.writing_one() as conn:
            self.run(conn, "UPDATE readers SET session_epoch = session_epoch + 1 WHERE id = ?",
                     (reader_id,))

    def spend_token(self, nonce: str) -> bool:
        with self.writing_one() as conn:
            return self.run(conn, "INSERT INTO spent_tokens (nonce, spent_at) VALUES (?, ?) "
                            "ON CONFLICT DO NOTHING", (nonce, now())).rowcount == 1

    def forget_spent_tokens(self, before: datetime) -> int:
        with self.writing_one() as conn:
            return self.run(conn, "DELETE FROM spent_tokens WHERE spent_at < ?",
                            (before.astimezone(UTC).isoformat(timespec="seconds"),)).rowcount
