"""Role protocols of what readers write for each other: comments (with moderation and each
reader's public profile) and collections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from paperfeed.store.social import Collection, CollectionItem, Comment


class CommentStore(Protocol):
    """One thread per paper, one level of replies; moderation; the name shown for a reader."""

    def add_comment(self, reader_id: int, paper_id: str, body: str,
                    parent_id: int | None = None) -> Comment:
        """Post (cleaned, capped: TooLong, ValueError when empty); a reply to a reply joins
        its thread. Blocked when a moderator blocked the reader; NotFound for an unknown
        paper or a parent under another paper."""
        ...

    def get_comment(self, comment_id: int) -> Comment | None: ...

    def edit_comment(self, reader_id: int, comment_id: int, body: str) -> Comment:
        """Replace the text of the reader's own comment; NotFound when it is not theirs."""
        ...

    def delete_comment(self, reader_id: int, comment_id: int) -> bool:
        """Delete the reader's own comment (kept as "deleted" while it has replies)."""
        ...

    def hide_comment(self, comment_id: int, hidden: bool = True) -> bool:
        """A moderator hides a comment, or shows it again; True when changed."""
        ...

    def block_reader(self, reader_id: int, blocked: bool = True, reason: str = "") -> bool:
        """A moderator blocks a reader from posting, or lifts it; True when changed."""
        ...

    def is_blocked(self, reader_id: int) -> bool: ...

    def paper_comments(self, paper_id: str) -> list[Comment]:
        """Top-level comments oldest first, each with its replies oldest first."""
        ...

    def comment_counts(self, paper_ids: Sequence[str]) -> dict[str, int]:
        """Shown comments (not deleted or hidden) per paper; papers without any left out."""
        ...

    def replies_to(self, reader_id: int, since: datetime) -> list[Comment]:
        """Others' shown replies to the reader's comments since `since`, oldest first."""
        ...

    def reader_profile(self, reader_id: int) -> tuple[str | None, bool]:
        """(display name or None, replies to my comments in my digest?)."""
        ...

    def set_reader_profile(self, reader_id: int, name: str | None,
                           digest_replies: bool) -> None: ...


class CollectionStore(Protocol):
    """Readers' named reading lists; only the owner changes one (NotFound for others)."""

    def create_collection(self, reader_id: int, name: str,
                          public: bool = False) -> Collection: ...

    def reader_collections(self, reader_id: int) -> list[Collection]: ...

    def get_collection(self, collection_id: int) -> Collection | None: ...

    def collection_items(self, collection_id: int) -> list[CollectionItem]: ...

    def update_collection(self, reader_id: int, collection_id: int, *, name: str | None = None,
                          public: bool | None = None) -> Collection: ...

    def delete_collection(self, reader_id: int, collection_id: int) -> bool: ...

    def add_to_collection(self, reader_id: int, collection_id: int, paper_id: str,
                          note: str | None = None) -> bool:
        """Append a paper (True); one already there keeps its place, its note set if given."""
        ...

    def set_item_note(self, reader_id: int, collection_id: int, paper_id: str,
                      note: str) -> None: ...

    def remove_from_collection(self, reader_id: int, collection_id: int,
                               paper_id: str) -> bool: ...

    def reorder_collection(self, reader_id: int, collection_id: int,
                           paper_ids: Sequence[str]) -> None:
        """paper_ids must be exactly the collection's papers (ValueError otherwise)."""
        ...
