"""Comments under papers, moderation and each reader's public profile; written once for both
backends. Every write that changes what a shared page shows moves the data version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from paperfeed.errors import NotFound
from paperfeed.store.social import (
    MAX_COMMENT_CHARS,
    MAX_DISPLAY_NAME_CHARS,
    Blocked,
    Comment,
    clean_line,
    clean_text,
    display_name,
)
from paperfeed.store.sql.base import Connection, SqlBase, now, utc_text

_SELECT = ("SELECT c.id, c.paper_id, c.reader_id, c.parent_id, c.body, c.created_at, "
           "c.edited_at, c.deleted_at, c.hidden_at, r.display_name FROM comments c JOIN "
           "readers r ON r.id = c.reader_id")
NEUTRAL = re.compile(r"reader-\d+", re.IGNORECASE)
VISIBLE = "c.deleted_at IS NULL AND c.hidden_at IS NULL"


def _comment(row: Any, replies: tuple[Comment, ...] = ()) -> Comment:
    return Comment(id=int(row["id"]), paper_id=str(row["paper_id"]),
                   reader_id=int(row["reader_id"]),
                   author=display_name(row["display_name"], int(row["reader_id"])),
                   parent_id=None if row["parent_id"] is None else int(row["parent_id"]),
                   body=str(row["body"]), created_at=str(row["created_at"]),
                   edited_at=row["edited_at"], deleted=row["deleted_at"] is not None,
                   hidden=row["hidden_at"] is not None, replies=replies)


class Comments(SqlBase):
    """One thread per paper: top-level comments, each with its replies (one level)."""

    def add_comment(self, reader_id: int, paper_id: str, body: str,
                    parent_id: int | None = None) -> Comment:
        text = clean_text(body, MAX_COMMENT_CHARS, "a comment")
        with self.writing() as conn:
            if self.value(conn, "SELECT 1 FROM comment_blocks WHERE reader_id = ?",
                          (reader_id,)) is not None:
                raise Blocked("a moderator has blocked you from posting")
            if self.value(conn, "SELECT 1 FROM papers WHERE id = ?", (paper_id,)) is None:
                raise NotFound(f"no paper {paper_id!r}")
            if parent_id is not None:
                parent_id = self._thread_of(conn, paper_id, parent_id)
            new = self.value(conn, "INSERT INTO comments (paper_id, reader_id, parent_id, body, "
                             "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                             (paper_id, reader_id, parent_id, text, now()))
            row = self.run(conn, f"{_SELECT} WHERE c.id = ?", (new,)).fetchone()
        self.data_changed()
        return _comment(row)

    def _thread_of(self, conn: Connection, paper_id: str, parent_id: int) -> int:
        """The top-level comment a reply goes under (a reply to a reply joins its thread)."""
        row = self.run(conn, "SELECT paper_id, parent_id, deleted_at FROM comments WHERE id = ?",
                       (parent_id,)).fetchone()
        if row is None or row["paper_id"] != paper_id:
            raise NotFound(f"no comment {parent_id} under paper {paper_id!r}")
        return parent_id if row["parent_id"] is None else int(row["parent_id"])

    def get_comment(self, comment_id: int) -> Comment | None:
        with self.reading() as conn:
            row = self.run(conn, f"{_SELECT} WHERE c.id = ?", (comment_id,)).fetchone()
        return None if row is None else _comment(row)

    def edit_comment(self, reader_id: int, comment_id: int, body: str) -> Comment:
        text = clean_text(body, MAX_COMMENT_CHARS, "a comment")
        with self.writing() as conn:
            changed = self.run(conn, "UPDATE comments SET body = ?, edited_at = ? WHERE id = ? "
                               "AND reader_id = ? AND deleted_at IS NULL",
                               (text, now(), comment_id, reader_id)).rowcount
            if not changed:
                raise NotFound(f"no comment {comment_id} of yours")
            row = self.run(conn, f"{_SELECT} WHERE c.id = ?", (comment_id,)).fetchone()
        self.data_changed()
        return _comment(row)

    def delete_comment(self, reader_id: int, comment_id: int) -> bool:
        """Delete the reader's own comment: gone when nobody replied, else kept as deleted
        (its text emptied) so the replies keep their place."""
        with self.writing() as conn:
            own = self.value(conn, "SELECT 1 FROM comments WHERE id = ? AND reader_id = ? AND "
                             "deleted_at IS NULL", (comment_id, reader_id))
            if own is None:
                return False
            self.run(conn, "UPDATE comments SET body = '', deleted_at = ? WHERE id = ? AND "
                     "EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = comments.id)",
                     (now(), comment_id))
            self.run(conn, "DELETE FROM comments WHERE id = ? AND deleted_at IS NULL",
                     (comment_id,))
        self.data_changed()
        return True

    def hide_comment(self, comment_id: int, hidden: bool = True) -> bool:
        """A moderator hides (or shows again) a comment; True when something changed."""
        with self.writing_one() as conn:
            condition = "hidden_at IS NULL" if hidden else "hidden_at IS NOT NULL"
            changed = self.run(conn, f"UPDATE comments SET hidden_at = ? WHERE id = ? AND "
                               f"{condition}", (now() if hidden else None,
                                                comment_id)).rowcount > 0
        if changed:
            self.data_changed()
        return changed

    def block_reader(self, reader_id: int, blocked: bool = True, reason: str = "") -> bool:
        """A moderator blocks (or unblocks) a reader from posting; True when changed."""
        with self.writing_one() as conn:
            if blocked:
                return self.run(conn, "INSERT INTO comment_blocks (reader_id, blocked_at, "
                                "reason) SELECT id, ?, ? FROM readers WHERE id = ? ON CONFLICT "
                                "DO NOTHING", (now(), reason[:200], reader_id)).rowcount > 0
            return self.run(conn, "DELETE FROM comment_blocks WHERE reader_id = ?",
                            (reader_id,)).rowcount > 0

    def is_blocked(self, reader_id: int) -> bool:
        with self.reading() as conn:
            return self.value(conn, "SELECT 1 FROM comment_blocks WHERE reader_id = ?",
                              (reader_id,)) is not None

    def paper_comments(self, paper_id: str) -> list[Comment]:
        """The paper's thread: top-level comments oldest first, each with its replies."""
        with self.reading() as conn:
            rows = self.run(conn, f"{_SELECT} WHERE c.paper_id = ? ORDER BY c.created_at, c.id",
                            (paper_id,)).fetchall()
        replies: dict[int, list[Comment]] = {}
        for r in rows:
            if r["parent_id"] is not None:
                replies.setdefault(int(r["parent_id"]), []).append(_comment(r))
        return [_comment(r, tuple(replies.get(int(r["id"]), ()))) for r in rows
                if r["parent_id"] is None]

    def comment_counts(self, paper_ids: Sequence[str]) -> dict[str, int]:
        """Comments shown (neither deleted nor hidden) per paper; papers without any left out."""
        out: dict[str, int] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("c.paper_id", chunk)
                rows = self.run(conn, f"SELECT c.paper_id, count(*) AS n FROM comments c WHERE "
                                f"{among} AND {VISIBLE} GROUP BY c.paper_id", args)
                out.update((str(r["paper_id"]), int(r["n"])) for r in rows)
        return out

    def replies_to(self, reader_id: int, since: datetime) -> list[Comment]:
        """Replies by others to the reader's comments posted since `since`, oldest first
        (each names the paper; shown ones only)."""
        with self.reading() as conn:
            rows = self.run(conn, f"{_SELECT} JOIN comments p ON p.id = c.parent_id WHERE "
                            f"p.reader_id = ? AND c.reader_id <> ? AND c.created_at >= ? AND "
                            f"{VISIBLE} ORDER BY c.created_at, c.id",
                            (reader_id, reader_id, utc_text(since))).fetchall()
        return [_comment(r) for r in rows]

    def reader_profile(self, reader_id: int) -> tuple[str | None, bool]:
        """(display name or None, replies in the digest?) of the reader."""
        with self.reading() as conn:
            row = self.run(conn, "SELECT display_name, digest_replies FROM readers WHERE id = ?",
                           (reader_id,)).fetchone()
        if row is None:
            raise NotFound(f"no reader {reader_id}")
        return row["display_name"], bool(row["digest_replies"])

    def set_reader_profile(self, reader_id: int, name: str | None,
                           digest_replies: bool) -> None:
        """Set the name shown with the reader's comments and collections (None: the neutral
        one) and whether replies to their comments go into their digest."""
        kept = clean_line(name, MAX_DISPLAY_NAME_CHARS, "a display name") if name else None
        if kept is not None and NEUTRAL.fullmatch(kept):
            raise ValueError("names like reader-123 are kept for readers without a name")
        with self.writing() as conn:
            found = self.run(conn, "UPDATE readers SET display_name = ?, digest_replies = ? "
                             "WHERE id = ?", (kept, int(digest_replies), reader_id)).rowcount
        if not found:
            raise NotFound(f"no reader {reader_id}")
        self.data_changed()
