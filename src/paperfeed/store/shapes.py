"""What crosses the store's boundary besides models: keyword queries, vectors, vector search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from paperfeed.store.roles import VectorStore

Vectors = npt.NDArray[np.float32]  # (n, dim), float32, rows L2-normalised


class PendingCursor(NamedTuple):
    """Where the next batch of papers waiting for a vector goes on from."""

    day: str | None  # the last paper's listing day; None once the undated papers are reached
    id: str


class Pending(NamedTuple):
    """A paper waiting for a vector from some model."""

    id: str
    title: str
    abstract: str
    day: str | None  # listing day (ISO), None when undated

    @property
    def cursor(self) -> PendingCursor:
        return PendingCursor(self.day, self.id)


class ChangedPaper(NamedTuple):
    """A paper as the keyword index holds it, and when it last changed."""

    id: str
    title: str
    abstract: str
    day: str | None  # listing day (ISO), None when undated
    categories: tuple[str, ...]
    has_code: bool
    modified_at: str

    @property
    def cursor(self) -> tuple[str, str]:
        return self.modified_at, self.id


class Opening(NamedTuple):
    """A paper's opening as `paperfeed index` stores it (store/stems.py opening_stems) and
    the acronyms the paper defines (store/definitions.py pack)."""

    stems: str
    defines: str


@dataclass(frozen=True)
class TextQuery:
    """A keyword query in neutral form (tokens, never syntax); each backend renders its own.

    Tokens are folded words (store.terms.words). any_of holds alternatives: a paper matches
    one when it has every word of it, anywhere (a group of one is a plain word); search puts
    rare words alone and common words together, which bounds the work. In all_of and none_of
    a tuple of several tokens is a phrase.
    """

    any_of: tuple[tuple[str, ...], ...] = ()  # a match needs one group (or an all_of)
    all_of: tuple[tuple[str, ...], ...] = ()  # every phrase required (quoted phrases)
    none_of: tuple[tuple[str, ...], ...] = ()  # excluded words or phrases
    authors: tuple[tuple[str, ...], ...] = ()  # each name's tokens must be in the authors
    categories: tuple[str, ...] = ()  # any of these; one without a dot matches its archive
    date_from: date | None = None  # listing day, inclusive
    date_to: date | None = None
    has_code: bool = False
    boosts: tuple[tuple[str, ...], ...] = ()  # with any_of: phrases that also match and score

    @property
    def has_text(self) -> bool:
        return bool(self.any_of or self.all_of)

    @property
    def has_filters(self) -> bool:
        return bool(self.none_of or self.authors or self.categories or self.has_code or
                    self.date_from is not None or self.date_to is not None)


class VectorSearch(Protocol):
    """Nearest neighbours over one model's vectors (cosine; vectors are unit length).

    index/vectors.py's in-process index is one; a store whose database searches vectors
    itself hands out another (Store.vector_index).
    """

    model: str

    def __len__(self) -> int: ...

    @property
    def dim(self) -> int: ...

    def refresh(self, store: VectorStore) -> int:
        """Catch up with vectors stored since the last look; how many were loaded."""
        ...

    def warm(self) -> None:
        """Prepare what the first search would otherwise prepare."""
        ...

    def search(self, query: Vectors, k: int,
               among: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The k most similar papers (ids and cosine), best first; only among those ids
        when given."""
        ...

    def scores(self, query: Vectors, ids: Sequence[str]) -> dict[str, float]:
        """Similarity of query to each known id among ids."""
        ...

    def vector(self, paper_id: str) -> Vectors | None:
        """The stored vector of a paper, if it has one."""
        ...

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], Vectors]:
        """The ids among ids that have a vector, in the order given, and their vectors."""
        ...
