"""Shapes of what readers write for each other: comments under papers, and collections.

The caps live here, beside the shapes, so the store, the pages and the API all refuse the
same things with the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COMMENT_CHARS = 5000
MAX_NAME_CHARS = 100  # a collection's name
MAX_NOTE_CHARS = 2000  # a note on a collection item
MAX_DISPLAY_NAME_CHARS = 40
MAX_COLLECTIONS = 200  # per reader
MAX_ITEMS = 1000  # per collection
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class Blocked(Exception):
    """The reader was blocked from posting by a moderator."""


class TooLong(ValueError):
    """Untrusted text over its cap; the message says the cap and the length."""


def clean_text(text: str, cap: int, what: str) -> str:
    """Text as kept: control and bidirectional-override characters out, Windows line ends
    made plain, outer blank space trimmed; TooLong over cap, ValueError when empty."""
    kept = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(kept) > cap:
        raise TooLong(f"{what} is at most {cap} characters (this one has {len(kept)})")
    if not kept:
        raise ValueError(f"{what} is empty")
    return kept


def clean_line(text: str, cap: int, what: str) -> str:
    """One line of text (a name): runs of blank space made one space, then clean_text."""
    return clean_text(" ".join(_CONTROL.sub("", text).split()), cap, what)


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment as shown: its author by display name only (never their address)."""

    id: int
    paper_id: str
    reader_id: int
    author: str
    parent_id: int | None
    body: str  # empty once deleted; kept (for its author and moderators) when hidden
    created_at: str
    edited_at: str | None = None
    deleted: bool = False
    hidden: bool = False
    replies: tuple[Comment, ...] = ()


@dataclass(frozen=True, slots=True)
class Collection:
    """A reader's named reading list."""

    id: int
    reader_id: int
    owner: str  # the owner's display name
    name: str
    public: bool
    created_at: str
    updated_at: str
    size: int = 0


@dataclass(frozen=True, slots=True)
class CollectionItem:
    paper_id: str
    position: int
    note: str
    added_at: str


def display_name(name: str | None, reader_id: int) -> str:
    """The name shown for a reader: theirs, or a neutral one that reveals nothing."""
    return name or f"reader-{reader_id}"
