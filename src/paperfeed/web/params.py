"""Query parameters shared by the JSON API and the feeds: periods, paging, categories."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query
from pydantic import StringConstraints

from paperfeed.errors import NotFound
from paperfeed.store import Store
from paperfeed.web import periods
from paperfeed.web.httpkit import bad_param
from paperfeed.web.periods import Period

WEEK = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_CAT = r"[A-Za-z][A-Za-z0-9.-]{0,39}"
CATEGORY = re.compile(f"^{_CAT}$")
CATEGORY_LIST = rf"^ *{_CAT}( *, *{_CAT})* *$"
MAX_CATEGORIES = 16

Offset = Annotated[int, Query(ge=0, le=10_000, description="Items to skip (0–10000).")]
Categories = Annotated[
    list[Annotated[str, StringConstraints(pattern=CATEGORY_LIST, max_length=400)]],
    Query(max_length=MAX_CATEGORIES, description="Only these arXiv categories (cs.LG; cs "
          "matches every cs.*); repeat the parameter or separate with commas.")]
Mode = Literal["keyword", "semantic", "hybrid"]
SearchSort = Literal["relevance", "date", "votes"]


def now() -> datetime:
    """Rankings are computed as of the current minute, so a list (and its ETag) stays the
    same for a minute instead of changing with every decaying score."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def parse_period(store: Store, day: date | None, week: str | None,
                 month: str | None) -> Period | None:
    """The period asked for (at most one of day, week, month); by default the newest day
    with papers up to today (None when there is none). A 422 names a bad one."""
    if sum(v is not None for v in (day, week, month)) > 1:
        raise bad_param("date", "give at most one of date, week and month")
    try:
        if week is not None:
            return periods.week(int(week[:4]), int(week[6:]))
        if month is not None:
            return periods.month(int(month[:4]), int(month[5:]))
    except NotFound as exc:
        raise bad_param("week" if week is not None else "month", str(exc),
                        week or month) from None
    if day is not None:
        return Period("day", day, day)
    latest = store.neighbour_days(now().date() + timedelta(days=1))[0]
    return None if latest is None else Period("day", latest, latest)


def categories(values: list[str], name: str = "category") -> tuple[str, ...]:
    """Categories from repeated or comma-separated parameters, checked: at most 16, each
    like cs.LG; a 422 names the bad one."""
    found = tuple(dict.fromkeys(p.strip() for v in values for p in v.split(",") if p.strip()))
    if len(found) > MAX_CATEGORIES:
        raise bad_param(name, f"at most {MAX_CATEGORIES} categories", len(found))
    for value in found:
        if not CATEGORY.match(value):
            raise bad_param(name, "a category looks like cs.LG or q-bio.BM (letters, digits, "
                            "dots and dashes, up to 40 characters)", value)
    return found
