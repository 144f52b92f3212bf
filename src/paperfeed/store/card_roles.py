"""Role protocols of what index derives per paper (cards, author keys, the opening's stems),
and of submissions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from paperfeed.models import AuthorProfile, Card, Paper, Submission
from paperfeed.store.shapes import Opening, PendingCursor


class CardStore(Protocol):
    """Per paper: card text (summary, keyphrases, project page) and its authors' keys."""

    def pending_cards(self, *, limit: int, after: PendingCursor | None = None,
                      ids: Sequence[str] | None = None) -> list[tuple[Paper, str]]:
        """(paper, fingerprint) of papers (among ids when given) with no card or one
        derived from an older state of the paper: newest listing day first, then the
        undated; after: the previous batch's last (day, id)."""
        ...

    def count_pending_cards(self) -> int: ...

    def put_cards(self, rows: Sequence[tuple[str, str, Card, Sequence[tuple[str, str]]]]
                  ) -> None:
        """Store (paper id, fingerprint derived from, card, authors as (key, name) in order)
        in one transaction, replacing what the papers had."""
        ...

    def cards(self, paper_ids: Sequence[str]) -> dict[str, Card]:
        """The cards of those papers that have one."""
        ...

    def author_profile(self, key: str, *, names: Sequence[str] | None = None,
                       limit: int = 100, offset: int = 0) -> AuthorProfile:
        """The author under a normalised key (index/authors.py): a page of paper ids newest
        first, their count, top co-authors and categories (only papers where the author is
        spelled as one of names, when given), and every spelling under the key (limit 0:
        the spellings alone)."""
        ...


class OpeningStore(Protocol):
    """Per paper: the stems of its title and first sentences (store/stems.py) and the
    acronyms it defines (store/definitions.py), which topic matches read (rank/match.py)."""

    def pending_openings(self, format_: int, *, limit: int, after: PendingCursor | None = None
                         ) -> list[tuple[str, str, str, PendingCursor]]:
        """(id, title, abstract, cursor) of papers with no opening in format_ (a paper
        whose title or abstract changes loses its opening): newest listing day first, then
        the undated; after: the previous batch's last cursor."""
        ...

    def count_pending_openings(self, format_: int) -> int: ...

    def put_openings(self, format_: int, rows: Sequence[tuple[str, Opening]]) -> None:
        """Store (paper id, opening) in format_, replacing what the papers had."""
        ...

    def openings(self, format_: int, paper_ids: Sequence[str]) -> dict[str, Opening]:
        """The stored openings of those papers that have one in format_."""
        ...


class SubmissionStore(Protocol):
    """Papers readers put on a day's listing."""

    def add_submission(self, paper_id: str, day: date, *, reader_id: int | None,
                       display_name: str, now: datetime) -> bool:
        """Record it; False when the paper was submitted that day already (nothing changes).
        The paper must be stored."""
        ...

    def submissions(self, paper_ids: Sequence[str]) -> dict[str, Submission]:
        """The latest submission of each of those papers that has one."""
        ...

    def submitted_rows(self, day_from: date, day_to: date) -> list[tuple[str, date,
                                                                         datetime | None,
                                                                         int | None]]:
        """Listing rows (id, day submitted, when submitted, upstream upvotes) of the papers
        submitted in [day_from, day_to]: listings add them to those days."""
        ...
