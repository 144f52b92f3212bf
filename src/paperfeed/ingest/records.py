"""Helpers every parser shares: required text, dates, ids. Pure; raise ValueError with a reason."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(?:v(\d+))?$")
_ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$")


def clean_text(value: Any) -> str:
    """Whitespace runs collapsed to one space; non-strings become empty."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def required_text(record: dict[str, Any], key: str) -> str:
    text = clean_text(record.get(key))
    if not text:
        raise ValueError(f"missing or empty {key!r}")
    return text


def required_id(record: dict[str, Any], key: str = "id",
                what: str = "'id'") -> tuple[str, int | None]:
    """The record's arXiv id split from its version (split_arxiv_id); ValueError naming
    `what` when it is missing, empty or not text."""
    raw = record.get(key)
    if raw is not None and not isinstance(raw, str):
        raise ValueError(f"{what} must be a string, not {type(raw).__name__}")
    if raw is None or not raw.strip():
        raise ValueError(f"missing or empty {what}")
    return split_arxiv_id(raw)


def optional_text(value: Any) -> str | None:
    return clean_text(value) or None


def parse_datetime(value: Any, field: str = "date") -> datetime | None:
    """ISO date or datetime (any offset) -> aware UTC datetime; None/empty -> None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: {value!r} is not an ISO 8601 date")
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not an ISO 8601 date (YYYY-MM-DD)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def parse_rfc2822(value: Any, field: str = "date") -> datetime:
    """'Mon, 2 Apr 2007 19:18:42 GMT' (arXiv version dates) -> aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"{field}: {value!r} is not an RFC 2822 date")
    parts = value.split()
    try:  # the common shape, without the cost of the general parser
        if len(parts) == 6 and parts[5] in ("GMT", "UTC", "+0000"):
            hour, minute, second = parts[4].split(":")
            return datetime(int(parts[3]), _MONTHS[parts[2]], int(parts[1]), int(hour),
                            int(minute), int(second), tzinfo=UTC)
        parsed = parsedate_to_datetime(value)
    except (KeyError, TypeError, ValueError, IndexError):
        raise ValueError(f"{field}: {value!r} is not an RFC 2822 date") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")


def is_category(value: Any) -> bool:
    """An arXiv category ('cs.LG', 'hep-th'), not an MSC or ACM class ('68T05', 'I.2.6')."""
    return isinstance(value, str) and bool(_CATEGORY.match(value))


def in_categories(categories: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether any category matches a wanted one: exactly, or by archive ('cs' or 'cs.')."""
    wanted = tuple(wanted)
    if not wanted:
        return True
    for category in categories:
        for w in wanted:
            if category == w or (w.endswith(".") and category.startswith(w)) or (
                    "." not in w and category.split(".", 1)[0] == w):
                return True
    return False


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """'2401.01234v3' -> ('2401.01234', 3); old style 'hep-th/9901001v1' too; else (raw, None)."""
    match = _ARXIV_NEW.match(raw)  # the common case, without the clean-up below
    if match:
        return match.group(1), int(match.group(2)) if match.group(2) else None
    text = raw.strip().removeprefix("arXiv:").removeprefix("arxiv:")
    text = re.sub(r"^https?://arxiv\.org/(?:abs|pdf)/", "", text).removesuffix(".pdf")
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.match(text)
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    return text, None


def is_arxiv_id(paper_id: str) -> bool:
    return bool(_ARXIV_NEW.match(paper_id) or _ARXIV_OLD.match(paper_id))


def arxiv_links(paper_id: str) -> tuple[str | None, str | None]:
    """Abstract page and PDF links for an arXiv id; none for other ids."""
    if not is_arxiv_id(paper_id):
        return None, None
    return f"https://arxiv.org/abs/{paper_id}", f"https://arxiv.org/pdf/{paper_id}"
