"""What cards show beside the paper itself: the derived card text (extractive summary,
keyphrases, project page) and who submitted the paper to a day's list; one query each for
all the papers a page shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from paperfeed.store import Store


def author_url(name: str) -> str:
    """An author's page (the name as written; the page folds it to the author's key)."""
    return "/authors/" + quote(" ".join(name.split()), safe="")


def card_extras(store: Store, ids: Sequence[str]) -> dict[str, Any]:
    """{"cards": {id: Card}, "submitted": {id: Submission}} for the papers a page shows."""
    if not ids:
        return {"cards": {}, "submitted": {}}
    return {"cards": store.cards(ids), "submitted": store.submissions(ids)}
