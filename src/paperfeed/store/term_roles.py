"""Role protocols of indexes derived from the papers' text: the reader's model's term features
(index/terms.py, index/term_rows.py) and the keyword index (index/keyword_index.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from paperfeed.store.shapes import ChangedPaper, PendingCursor


class TermStore(Protocol):
    """A fitted vocabulary and each paper's tf-idf row under it, as bytes."""

    def term_vocabulary_version(self) -> int | None:
        """The current vocabulary's version (None: none fitted yet)."""
        ...

    def term_vocabulary(self) -> tuple[int, bytes] | None:
        """(version, vocabulary) of the current vocabulary."""
        ...

    def put_term_vocabulary(self, vocabulary: bytes, papers: int) -> int:
        """Store a new vocabulary fitted on `papers` papers as current; its version."""
        ...

    def count_papers_total(self) -> int: ...

    def paper_texts(self, *, after: str | None, limit: int) -> list[tuple[str, str, str, str]]:
        """(id, title, abstract, authors_text) of papers by id, ids > after."""
        ...

    def pending_terms(self, version: int, *, limit: int, after: PendingCursor | None = None
                      ) -> list[tuple[str, str, str, str, str, PendingCursor]]:
        """(id, title, abstract, authors_text, fingerprint, cursor) of papers with no row
        under version or one computed before the paper changed: newest listing day first,
        then the undated; after: the previous batch's last cursor."""
        ...

    def count_pending_terms(self, version: int) -> int:
        """How many papers pending_terms has to give under version."""
        ...

    def put_terms(self, version: int, rows: Sequence[tuple[str, str, bytes]]) -> None:
        """Store (paper id, fingerprint, row) under version, replacing older rows."""
        ...

    def terms_of(self, version: int, paper_ids: Sequence[str]) -> dict[str, tuple[bytes, str]]:
        """{paper id: (row, authors_text)} of the papers among paper_ids with a row under
        version."""
        ...


class ChangedPaperStore(Protocol):
    """Papers in the order they last changed, for an index kept beside the database."""

    def changed_papers(self, *, after: tuple[str, str] | None, limit: int
                       ) -> list[ChangedPaper]:
        """Papers in the order they last changed (modified_at, then id), after the cursor
        (modified_at, id) of the previous batch's last row: what the keyword index adds."""
        ...

    def count_changed_papers(self, *, after: tuple[str, str] | None, cap: int) -> int:
        """How many papers changed_papers has after the cursor, counted up to cap."""
        ...
