"""Readers' collections (named reading lists, private or public) with a note and a place per
paper; written once for both backends. Only the owner changes a collection. No shared page
shows collections, so changes leave the data version (and every page cache) alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperfeed.errors import NotFound
from paperfeed.store.social import (
    MAX_COLLECTIONS,
    MAX_ITEMS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    Collection,
    CollectionItem,
    TooLong,
    clean_line,
    clean_text,
    display_name,
)
from paperfeed.store.sql.base import Connection, SqlBase, now

_SELECT = ("SELECT c.id, c.reader_id, c.name, c.public, c.created_at, c.updated_at, "
           "r.display_name, (SELECT count(*) FROM collection_items i WHERE i.collection_id = "
           "c.id) AS size FROM collections c JOIN readers r ON r.id = c.reader_id")


def _collection(row: Any) -> Collection:
    return Collection(id=int(row["id"]), reader_id=int(row["reader_id"]),
                      owner=display_name(row["display_name"], int(row["reader_id"])),
                      name=str(row["name"]), public=bool(row["public"]),
                      created_at=str(row["created_at"]), updated_at=str(row["updated_at"]),
                      size=int(row["size"]))


def _note(note: str) -> str:
    return clean_text(note, MAX_NOTE_CHARS, "a note") if note.strip() else ""


class Collections(SqlBase):
    """Create, list, read, rename, publish, reorder and delete collections."""

    def create_collection(self, reader_id: int, name: str, public: bool = False) -> Collection:
        kept = clean_line(name, MAX_NAME_CHARS, "a collection's name")
        stamp = now()
        with self.writing() as conn:
            count = int(self.value(conn, "SELECT count(*) FROM collections WHERE reader_id = ?",
                                   (reader_id,)))
            if count >= MAX_COLLECTIONS:
                raise TooLong(f"a reader has at most {MAX_COLLECTIONS} collections")
            try:
                new = self.value(conn, "INSERT INTO collections (reader_id, name, public, "
                                 "created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                 (reader_id, kept, int(public), stamp, stamp))
            except self.integrity_error:
                raise NotFound(f"no reader {reader_id}") from None
            row = self.run(conn, f"{_SELECT} WHERE c.id = ?", (new,)).fetchone()
        return _collection(row)

    def reader_collections(self, reader_id: int) -> list[Collection]:
        """The reader's collections, oldest first."""
        with self.reading() as conn:
            rows = self.run(conn, f"{_SELECT} WHERE c.reader_id = ? ORDER BY c.created_at, "
                            "c.id", (reader_id,)).fetchall()
        return [_collection(r) for r in rows]

    def get_collection(self, collection_id: int) -> Collection | None:
        with self.reading() as conn:
            row = self.run(conn, f"{_SELECT} WHERE c.id = ?", (collection_id,)).fetchone()
        return None if row is None else _collection(row)

    def collection_items(self, collection_id: int) -> list[CollectionItem]:
        """The collection's papers in the owner's order."""
        with self.reading() as conn:
            rows = self.run(conn, "SELECT paper_id, position, note, added_at FROM "
                            "collection_items WHERE collection_id = ? ORDER BY position, "
                            "added_at", (collection_id,)).fetchall()
        return [CollectionItem(str(r["paper_id"]), int(r["position"]), str(r["note"]),
                               str(r["added_at"])) for r in rows]

    def _own(self, conn: Connection, reader_id: int, collection_id: int) -> None:
        if self.value(conn, "SELECT 1 FROM collections WHERE id = ? AND reader_id = ?",
                      (collection_id, reader_id)) is None:
            raise NotFound(f"no collection {collection_id} of yours")

    def _touch(self, conn: Connection, collection_id: int) -> None:
        self.run(conn, "UPDATE collections SET updated_at = ? WHERE id = ?",
                 (now(), collection_id))

    def update_collection(self, reader_id: int, collection_id: int, *, name: str | None = None,
                          public: bool | None = None) -> Collection:
        """Rename and/or publish (public=True) or withdraw (False) the reader's collection."""
        kept = None if name is None else clean_line(name, MAX_NAME_CHARS, "a collection's name")
        with self.writing() as conn:
            self._own(conn, reader_id, collection_id)
            if kept is not None:
                self.run(conn, "UPDATE collections SET name = ? WHERE id = ?",
                         (kept, collection_id))
            if public is not None:
                self.run(conn, "UPDATE collections SET public = ? WHERE id = ?",
                         (int(public), collection_id))
            self._touch(conn, collection_id)
            row = self.run(conn, f"{_SELECT} WHERE c.id = ?", (collection_id,)).fetchone()
        return _collection(row)

    def delete_collection(self, reader_id: int, collection_id: int) -> bool:
        with self.writing() as conn:
            return self.run(conn, "DELETE FROM collections WHERE id = ? AND reader_id = ?",
                            (collection_id, reader_id)).rowcount > 0

    def add_to_collection(self, reader_id: int, collection_id: int, paper_id: str,
                          note: str | None = None) -> bool:
        """Put a paper last in the collection (True), or, when it is there already, keep its
        place and set its note if one is given (False)."""
        kept = None if note is None else _note(note)
        with self.writing() as conn:
            self._own(conn, reader_id, collection_id)
            if self.value(conn, "SELECT 1 FROM papers WHERE id = ?", (paper_id,)) is None:
                raise NotFound(f"no paper {paper_id!r}")
            size, last = self._size(conn, collection_id)
            present = self.value(conn, "SELECT 1 FROM collection_items WHERE collection_id = ? "
                                 "AND paper_id = ?", (collection_id, paper_id)) is not None
            if not present and size >= MAX_ITEMS:
                raise TooLong(f"a collection holds at most {MAX_ITEMS} papers")
            added = not present and self.run(
                conn, "INSERT INTO collection_items (collection_id, paper_id, position, note, "
                "added_at) VALUES (?, ?, ?, ?, ?)",
                (collection_id, paper_id, last + 1, kept or "", now())).rowcount > 0
            if not added and kept is not None:
                self.run(conn, "UPDATE collection_items SET note = ? WHERE collection_id = ? "
                         "AND paper_id = ?", (kept, collection_id, paper_id))
            self._touch(conn, collection_id)
        return added

    def _size(self, conn: Connection, collection_id: int) -> tuple[int, int]:
        row = self.run(conn, "SELECT count(*) AS n, coalesce(max(position), 0) AS m FROM "
                       "collection_items WHERE collection_id = ?", (collection_id,)).fetchone()
        return int(row["n"]), int(row["m"])

    def set_item_note(self, reader_id: int, collection_id: int, paper_id: str,
                      note: str) -> None:
        kept = _note(note)
        with self.writing() as conn:
            self._own(conn, reader_id, collection_id)
            if not self.run(conn, "UPDATE collection_items SET note = ? WHERE collection_id = ? "
                            "AND paper_id = ?", (kept, collection_id, paper_id)).rowcount:
                raise NotFound(f"no paper {paper_id!r} in collection {collection_id}")
            self._touch(conn, collection_id)

    def remove_from_collection(self, reader_id: int, collection_id: int,
                               paper_id: str) -> bool:
        with self.writing() as conn:
            self._own(conn, reader_id, collection_id)
            gone = self.run(conn, "DELETE FROM collection_items WHERE collection_id = ? AND "
                            "paper_id = ?", (collection_id, paper_id)).rowcount > 0
            if gone:
                self._touch(conn, collection_id)
        return gone

    def reorder_collection(self, reader_id: int, collection_id: int,
                           paper_ids: Sequence[str]) -> None:
        """Put the collection's papers in this order; paper_ids must be exactly its papers
        (ValueError otherwise: an order sent from a stale page changes nothing)."""
        with self.writing() as conn:
            self._own(conn, reader_id, collection_id)
            present = {str(r["paper_id"]) for r in self.run(
                conn, "SELECT paper_id FROM collection_items WHERE collection_id = ?",
                (collection_id,))}
            if len(paper_ids) != len(present) or set(paper_ids) != present:
                raise ValueError("the order must list every paper of the collection once")
            self.run_many(conn, "UPDATE collection_items SET position = ? WHERE "
                          "collection_id = ? AND paper_id = ?",
                          [(n, collection_id, pid) for n, pid in enumerate(paper_ids, 1)])
            self._touch(conn, collection_id)
