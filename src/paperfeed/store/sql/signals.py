"""A reader's private signals (save, hide, more/less like this, likes), followed authors,
topics and categories: written once for both backends.

Every change bumps the reader's signal_version, which keys the reader's cached model. A
signal and its opposite do not live side by side: saving or "more like this" takes back a
hide or "less like this" on the same paper, and the other way round.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from paperfeed.errors import NotFound
from paperfeed.models import NEGATIVE_KINDS, POSITIVE_KINDS, SIGNAL_KINDS, ReaderSignals
from paperfeed.store.sql.base import Connection, SqlBase, now

MAX_AUTHOR_CHARS = 200


def watch_state(row: Any) -> str:
    """What a saved paper's watch list compares: version, code links, DOI, journal ref."""
    return json.dumps({"version": int(row["version"]), "code": json.loads(row["code_urls"]),
                       "doi": row["doi"], "journal_ref": row["journal_ref"]}, sort_keys=True)


class Signals(SqlBase):
    """Per-reader signals; a paper the store lacks is NotFound naming its id."""

    def set_signal(self, reader_id: int, paper_id: str, kind: str, on: bool = True) -> bool:
        """Set (or with on=False clear) one signal; True when something changed."""
        if kind not in SIGNAL_KINDS:
            raise ValueError(f"unknown signal {kind!r}; known: {', '.join(SIGNAL_KINDS)}")
        with self.writing() as conn:
            paper = self.run(conn, "SELECT version, code_urls, doi, journal_ref FROM papers "
                             "WHERE id = ?", (paper_id,)).fetchone()
            if paper is None:
                raise NotFound(f"no paper {paper_id!r}")
            if on:
                changed = self._set(conn, reader_id, paper_id, kind, watch_state(paper))
            else:
                changed = self.run(conn, "DELETE FROM signals WHERE reader_id = ? AND "
                                   "paper_id = ? AND kind = ?",
                                   (reader_id, paper_id, kind)).rowcount > 0
            if changed:
                self._bump(conn, reader_id)
        return changed

    def _set(self, conn: Connection, reader_id: int, paper_id: str, kind: str,
             state: str) -> bool:
        opposite = NEGATIVE_KINDS if kind in POSITIVE_KINDS else POSITIVE_KINDS
        among, args = self.dialect.in_list("kind", sorted(opposite))
        self.run(conn, f"DELETE FROM signals WHERE reader_id = ? AND paper_id = ? AND {among}",
                 [reader_id, paper_id, *args])
        try:
            return self.run(conn, "INSERT INTO signals (reader_id, paper_id, kind, created_at, "
                            "watched) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            (reader_id, paper_id, kind, now(),
                             state if kind == "save" else None)).rowcount == 1
        except self.integrity_error:
            raise NotFound(f"no reader {reader_id}") from None

    def _bump(self, conn: Connection, reader_id: int) -> None:
        self.run(conn, "UPDATE readers SET signal_version = signal_version + 1 WHERE id = ?",
                 (reader_id,))

    def add_likes(self, reader_id: int, paper_ids: Sequence[str]) -> int:
        """Like every paper of paper_ids in one transaction (all or nothing); how many were
        new. NotFound names the first id the store lacks."""
        added, stamp = 0, now()
        with self.writing() as conn:
            for paper_id in dict.fromkeys(paper_ids):
                if self.value(conn, "SELECT 1 FROM papers WHERE id = ?", (paper_id,)) is None:
                    raise NotFound(f"no paper {paper_id!r}")
                self.run(conn, "DELETE FROM signals WHERE reader_id = ? AND paper_id = ? AND "
                         "kind IN ('hide', 'less')", (reader_id, paper_id))
                added += self.run(conn, "INSERT INTO signals (reader_id, paper_id, kind, "
                                  "created_at) VALUES (?, ?, 'like', ?) ON CONFLICT DO NOTHING",
                                  (reader_id, paper_id, stamp)).rowcount
            self._bump(conn, reader_id)
        return added

    def signal_states(self, reader_id: int, paper_ids: Sequence[str]) -> dict[str, set[str]]:
        """For each of paper_ids with a signal of this reader, its kinds."""
        out: dict[str, set[str]] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("paper_id", chunk)
                rows = self.run(conn, f"SELECT paper_id, kind FROM signals WHERE reader_id = ? "
                                f"AND {among}", [reader_id, *args])
                for r in rows:
                    out.setdefault(str(r["paper_id"]), set()).add(str(r["kind"]))
        return out

    def reader_signals(self, reader_id: int) -> ReaderSignals | None:
        """Everything the reader told us; None when there is no such reader."""
        with self.reading() as conn:
            reader = self.run(conn, "SELECT topics, categories, signal_version FROM readers "
                              "WHERE id = ?", (reader_id,)).fetchone()
            if reader is None:
                return None
            rows = self.run(conn, "SELECT paper_id, kind FROM signals WHERE reader_id = ? "
                            "ORDER BY created_at DESC, paper_id", (reader_id,)).fetchall()
            votes = self.run(conn, "SELECT paper_id FROM votes WHERE reader_id = ? ORDER BY "
                             "created_at DESC, paper_id", (reader_id,)).fetchall()
            authors = self.run(conn, "SELECT name FROM followed_authors WHERE reader_id = ? "
                               "ORDER BY created_at, name", (reader_id,)).fetchall()
        by_kind: dict[str, list[str]] = {k: [] for k in SIGNAL_KINDS}
        for r in rows:
            by_kind[str(r["kind"])].append(str(r["paper_id"]))
        return ReaderSignals(
            reader_id=reader_id, saved=tuple(by_kind["save"]), hidden=tuple(by_kind["hide"]),
            more=tuple(by_kind["more"]), less=tuple(by_kind["less"]),
            liked=tuple(by_kind["like"]), upvoted=tuple(str(r["paper_id"]) for r in votes),
            authors=tuple(str(r["name"]) for r in authors),
            topics=tuple(json.loads(reader["topics"])),
            categories=tuple(json.loads(reader["categories"])),
            version=int(reader["signal_version"]))

    def follow_author(self, reader_id: int, name: str, on: bool = True) -> bool:
        """Follow (or unfollow) an author by name as printed on papers; True when changed."""
        name = " ".join(name.split())[:MAX_AUTHOR_CHARS]
        if not name:
            raise ValueError("an author's name is empty")
        with self.writing() as conn:
            if on:
                changed = self.run(conn, "INSERT INTO followed_authors (reader_id, name, "
                                   "created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                   (reader_id, name, now())).rowcount == 1
            else:
                changed = self.run(conn, "DELETE FROM followed_authors WHERE reader_id = ? "
                                   "AND name = ?", (reader_id, name)).rowcount == 1
            if changed:
                self._bump(conn, reader_id)
        return changed

    def set_interests(self, reader_id: int, topics: Sequence[str],
                      categories: Sequence[str]) -> None:
        """Replace the reader's typed topics and picked categories (already validated)."""
        with self.writing() as conn:
            found = self.run(conn, "UPDATE readers SET topics = ?, categories = ?, "
                             "signal_version = signal_version + 1 WHERE id = ?",
                             (json.dumps(list(topics), ensure_ascii=False),
                              json.dumps(list(categories)), reader_id)).rowcount
        if not found:
            raise NotFound(f"no reader {reader_id}")
