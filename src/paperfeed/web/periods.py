"""Listing periods: a day, an ISO week (Monday to Sunday) or a calendar month.

The one Period type of the pages (/daily/2026-08-21, /weekly/2026-W34, /monthly/2026-08), the
JSON API and the feeds (?date=, ?week=, ?month=).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from paperfeed.errors import NotFound

Unit = Literal["day", "week", "month"]
TABS: dict[str, Unit] = {"daily": "day", "weekly": "week", "monthly": "month"}  # page URLs
_SLUGS = {"week": re.compile(r"^(\d{4})-W(\d{1,2})$"), "month": re.compile(r"^(\d{4})-(\d{1,2})$")}


@dataclass(frozen=True, slots=True)
class Period:
    """One listing period, both ends included."""

    kind: Unit
    start: date
    end: date

    @property
    def tab(self) -> str:
        """The page's name for periods of this kind (daily, weekly, monthly)."""
        return next(tab for tab, unit in TABS.items() if unit == self.kind)

    @property
    def slug(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def url(self) -> str:
        return f"/{self.tab}/{self.slug}"

    @property
    def label(self) -> str:
        """A heading: 'Friday 21 August 2026', 'Week 34, 2026: 17–23 August', 'August 2026'."""
        if self.kind == "week":
            week = self.start.isocalendar()[1]
            return f"Week {week}, {self.start.isocalendar()[0]}: {span(self.start, self.end)}"
        if self.kind == "month":
            return f"{calendar.month_name[self.start.month]} {self.start.year}"
        return f"{self.start.strftime('%A')} {nice_date(self.start)}"


def nice_date(day: date) -> str:
    """'21 August 2026'."""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def span(first: date, last: date) -> str:
    """'17–23 August' or '28 July – 3 August' (the year is said elsewhere)."""
    if first.month == last.month:
        return f"{first.day}–{last.day} {calendar.month_name[last.month]}"
    return (f"{first.day} {calendar.month_name[first.month]} – "
            f"{last.day} {calendar.month_name[last.month]}")


def containing(kind: Unit, day: date) -> Period:
    """The period of this kind that day falls in."""
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, day.replace(day=1), day.replace(day=last))
    return Period("day", day, day)


def week(year: int, number: int) -> Period:
    """ISO week number of year; NotFound when there is no such week."""
    try:
        return containing("week", date.fromisocalendar(year, number, 1))
    except (ValueError, OverflowError):  # 9999-W52 ends in the year 10000
        raise NotFound(f"there is no ISO week {number} in {year}") from None


def month(year: int, number: int) -> Period:
    """Month number of year; NotFound when there is no such month."""
    if not (1 <= number <= 12 and 1 <= year <= 9999):
        raise NotFound(f"there is no month {year}-{number:02d}")
    return containing("month", date(year, number, 1))


def parse(kind: Unit, slug: str) -> Period:
    """The period a URL names ('2026-08-21', '2026-W34', '2026-08'); ValueError if none."""
    if kind == "day":
        if len(slug) != 10:
            raise ValueError(f"not a date: {slug!r}")
        return containing(kind, date.fromisoformat(slug))
    match = _SLUGS[kind].match(slug)
    if match is None:
        raise ValueError(f"not a {kind}: {slug!r}")
    try:
        return (week if kind == "week" else month)(int(match.group(1)), int(match.group(2)))
    except NotFound as exc:
        raise ValueError(str(exc)) from None
