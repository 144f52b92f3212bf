"""One person, one account: a reader's saved papers and watch list, private feed token,
everything stored about them (export) and deleting it all; written once for both backends.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from paperfeed.store.sql.base import SqlBase
from paperfeed.store.sql.signals import watch_state


class Accounts(SqlBase):
    """What a reader may see, take away and delete of their own data."""

    def reader_email(self, reader_id: int) -> str | None:
        with self.reading() as conn:
            email = self.value(conn, "SELECT email FROM readers WHERE id = ?", (reader_id,))
        return None if email is None else str(email)

    def saved_papers(self, reader_id: int) -> list[tuple[str, str]]:
        """(paper id, when saved) of the reader's saved papers, newest first."""
        with self.reading() as conn:
            rows = self.run(conn, "SELECT paper_id, created_at FROM signals WHERE reader_id = ? "
                            "AND kind = 'save' ORDER BY created_at DESC, paper_id",
                            (reader_id,)).fetchall()
        return [(str(r["paper_id"]), str(r["created_at"])) for r in rows]

    def watch_changes(self, reader_id: int) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(paper id, state last shown, state now) of saved papers that changed since."""
        with self.reading() as conn:
            rows = self.run(conn, "SELECT s.paper_id, s.watched, p.version, p.code_urls, "
                            "p.doi, p.journal_ref FROM signals s JOIN papers p ON p.id = "
                            "s.paper_id WHERE s.reader_id = ? AND s.kind = 'save' "
                            "ORDER BY s.created_at DESC, s.paper_id", (reader_id,)).fetchall()
        out = []
        for r in rows:
            current = watch_state(r)
            if r["watched"] is not None and current != r["watched"]:
                out.append((str(r["paper_id"]), json.loads(r["watched"]), json.loads(current)))
        return out

    def mark_watched(self, reader_id: int, paper_ids: Sequence[str]) -> None:
        """The reader has seen these saved papers' updates: remember their state as shown."""
        with self.writing() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("s.paper_id", chunk)
                rows = self.run(conn, "SELECT s.paper_id, p.version, p.code_urls, p.doi, "
                                "p.journal_ref FROM signals s JOIN papers p ON p.id = "
                                f"s.paper_id WHERE s.reader_id = ? AND s.kind = 'save' AND "
                                f"{among}", [reader_id, *args]).fetchall()
                self.run_many(conn, "UPDATE signals SET watched = ? WHERE reader_id = ? AND "
                              "paper_id = ? AND kind = 'save'",
                              [(watch_state(r), reader_id, r["paper_id"]) for r in rows])

    def feed_token(self, reader_id: int, *, create: bool = True) -> str | None:
        """The reader's private feed token, made on first use when create."""
        with self.writing() as conn:
            token = self.value(conn, "SELECT feed_token FROM readers WHERE id = ?", (reader_id,))
            if token is None and create:
                token = secrets.token_urlsafe(24)
                self.run(conn, "UPDATE readers SET feed_token = ? WHERE id = ?",
                         (token, reader_id))
        return None if token is None else str(token)

    def revoke_feed_token(self, reader_id: int) -> None:
        """The old private feed URL stops working (a new one is made when next asked for)."""
        with self.writing_one() as conn:
            self.run(conn, "UPDATE readers SET feed_token = NULL WHERE id = ?", (reader_id,))

    def reader_for_feed(self, token: str) -> int | None:
        if not token or len(token) > 100:
            return None
        with self.reading() as conn:
            found = self.value(conn, "SELECT id FROM readers WHERE feed_token = ?", (token,))
        return None if found is None else int(found)

    def subscription_reader(self, subscription_id: int) -> int | None:
        """The reader a subscription belongs to (the same address), if they ever signed in."""
        with self.reading() as conn:
            found = self.value(conn, "SELECT reader_id FROM subscriptions WHERE id = ?",
                               (subscription_id,))
        return None if found is None else int(found)

    def export_reader(self, reader_id: int) -> dict[str, Any] | None:
        """Everything stored about the reader, JSON-ready; None when there is no such reader."""
        with self.reading() as conn:
            reader = self.run(conn, "SELECT email, created_at, last_seen, topics, categories "
                              "FROM readers WHERE id = ?", (reader_id,)).fetchone()
            if reader is None:
                return None
            signals = self.run(conn, "SELECT paper_id, kind, created_at FROM signals WHERE "
                               "reader_id = ? ORDER BY kind, paper_id", (reader_id,)).fetchall()
            votes = self.run(conn, "SELECT paper_id, created_at FROM votes WHERE reader_id = ? "
                             "ORDER BY paper_id", (reader_id,)).fetchall()
            authors = self.run(conn, "SELECT name, created_at FROM followed_authors WHERE "
                               "reader_id = ? ORDER BY name", (reader_id,)).fetchall()
            subs = self.run(conn, "SELECT * FROM subscriptions WHERE reader_id = ? OR email = ?",
                            (reader_id, reader["email"])).fetchall()
            written = self.run(conn, "SELECT id, paper_id, parent_id, body, created_at, "
                               "edited_at FROM comments WHERE reader_id = ? AND deleted_at IS "
                               "NULL ORDER BY id", (reader_id,)).fetchall()
            lists = self.run(conn, "SELECT c.id, c.name, c.public, c.created_at, i.paper_id, "
                             "i.note FROM collections c LEFT JOIN collection_items i ON "
                             "i.collection_id = c.id WHERE c.reader_id = ? ORDER BY c.id, "
                             "i.position", (reader_id,)).fetchall()
        return {
            "email": reader["email"], "created_at": reader["created_at"],
            "last_seen": reader["last_seen"], "topics": json.loads(reader["topics"]),
            "categories": json.loads(reader["categories"]),
            "signals": [{"paper_id": r["paper_id"], "kind": r["kind"],
                         "created_at": r["created_at"]} for r in signals],
            "upvotes": [{"paper_id": r["paper_id"], "created_at": r["created_at"]}
                        for r in votes],
            "followed_authors": [{"name": r["name"], "created_at": r["created_at"]}
                                 for r in authors],
            "subscriptions": [_subscription(r) for r in subs],
            "comments": [dict(r) for r in written],
            "collections": _collections(lists),
        }

    def delete_reader(self, reader_id: int) -> bool:
        """Delete the reader, every signal, vote and follow, and their subscription."""
        with self.writing() as conn:
            email = self.value(conn, "SELECT email FROM readers WHERE id = ?", (reader_id,))
            if email is None:
                return False
            self.run(conn, "DELETE FROM subscriptions WHERE reader_id = ? OR email = ?",
                     (reader_id, email))
            self.run(conn, "DELETE FROM readers WHERE id = ?", (reader_id,))
        self.data_changed()  # their upvotes are gone from every count
        return True


def _subscription(row: Any) -> dict[str, Any]:
    keep = ("email", "topics", "categories", "frequency", "weekday", "send_hour", "timezone",
            "status", "created_at", "confirmed_at", "last_digest_date")
    return {k: json.loads(row[k]) if k in ("topics", "categories") else row[k] for k in keep}


def _collections(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Collection rows joined with their items, as one entry per collection."""
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = out.setdefault(int(r["id"]), {"name": r["name"], "public": bool(r["public"]),
                                              "created_at": r["created_at"], "papers": []})
        if r["paper_id"] is not None:
            entry["papers"].append({"paper_id": r["paper_id"], "note": r["note"]})
    return list(out.values())
