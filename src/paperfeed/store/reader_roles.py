"""Role protocols of a reader's own data: their private signals, and their account (saved
papers, watch list, private feed token, export and deletion)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from paperfeed.models import ReaderSignals


class SignalStore(Protocol):
    """A reader's private signals on papers, followed authors, topics and categories."""


    def set_signal(self, reader_id: int, paper_id: str, kind: str, on: bool = True) -> bool:
        """Set (on) or clear one of the reader's signals (models.SIGNAL_KINDS) on a paper; a
        positive one takes back a negative one on the same paper and the other way round.
        True when something changed; NotFound naming the paper when the store lacks it."""
        ...

    def add_likes(self, reader_id: int, paper_ids: Sequence[str]) -> int:
        """Like every paper in one transaction (all or none); how many were new. NotFound
        names an id the store lacks (then nothing is added)."""
        ...

    def signal_states(self, reader_id: int, paper_ids: Sequence[str]) -> dict[str, set[str]]:
        """The reader's signal kinds on each of paper_ids that has any."""
        ...

    def reader_signals(self, reader_id: int) -> ReaderSignals | None:
        """Everything the reader told us (with their upvotes); None when no such reader."""
        ...

    def follow_author(self, reader_id: int, name: str, on: bool = True) -> bool:
        """Follow or unfollow an author by name; True when something changed."""
        ...

    def set_interests(self, reader_id: int, topics: Sequence[str],
                      categories: Sequence[str]) -> None:
        """Replace the reader's topics and categories (validated by the caller)."""
        ...


class AccountStore(Protocol):
    """What a reader may see, take away and delete of their own data."""

    def reader_email(self, reader_id: int) -> str | None: ...

    def saved_papers(self, reader_id: int) -> list[tuple[str, str]]:
        """(paper id, when saved as ISO text) of the reader's saved papers, newest first."""
        ...

    def watch_changes(self, reader_id: int) -> list[tuple[str, dict[str, Any],
                                                          dict[str, Any]]]:
        """(paper id, state last shown, state now) of the saved papers that changed since
        (a new version, code links, DOI or journal reference)."""
        ...

    def mark_watched(self, reader_id: int, paper_ids: Sequence[str]) -> None:
        """Remember these saved papers' current state as seen by the reader."""
        ...

    def feed_token(self, reader_id: int, *, create: bool = True) -> str | None:
        """The reader's private feed token (made on first use when create)."""
        ...

    def revoke_feed_token(self, reader_id: int) -> None: ...

    def reader_for_feed(self, token: str) -> int | None:
        """The reader whose private feed token this is; None for a revoked or unknown one."""
        ...

    def subscription_reader(self, subscription_id: int) -> int | None:
        """The reader the subscription belongs to (same address), None when there is none."""
        ...

    def export_reader(self, reader_id: int) -> dict[str, Any] | None:
        """Everything stored about the reader as JSON-ready values."""
        ...

    def delete_reader(self, reader_id: int) -> bool:
        """Delete the reader with every signal, vote, follow and their subscription."""
        ...

    def ids_by_doi(self, dois: Sequence[str]) -> dict[str, str]:
        """{lower-cased DOI: paper id} for stored papers with one of dois (any case)."""
        ...
