"""The days, ISO weeks and months the listing tabs of the page show, parsed from and put in URLs."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("daily", "weekly", "monthly")
NOUNS = {"daily": "day", "weekly": "week", "monthly": "month"}
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """One listing period: a day, an ISO week (Monday to Sunday) or a calendar month."""

    kind: str
    start: date
    end: date

    @property
    def slug(self) -> str:
        if self.kind == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "monthly":
            return f"{self.start.year}-{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def url(self) -> str:
        return f"/{self.kind}/{self.slug}"

    @property
    def noun(self) -> str:
        return NOUNS[self.kind]

    @property
    def label(self) -> str:
        """A heading: 'Friday 21 August 2026', 'Week 34, 2026: 17–23 August', 'August 2026'."""
        if self.kind == "weekly":
            week = self.start.isocalendar()[1]
            return f"Week {week}, {self.start.isocalendar()[0]}: {span(self.start, self.end)}"
        if self.kind == "monthly":
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


def containing(kind: str, day: date) -> Period:
    """The period of this kind that day falls in."""
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind == "monthly":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, day.replace(day=1), day.replace(day=last))
    return Period("daily", day, day)


def parse(kind: str, slug: str) -> Period:
    """The period a URL names ('2026-08-21', '2026-W34', '2026-08'); ValueError if none."""
    if kind == "daily":
        return containing(kind, date.fromisoformat(slug) if len(slug) == 10 else _bad(slug))
    match = (_WEEK if kind == "weekly" else _MONTH).match(slug)
    if kind not in KINDS or match is None:
        raise ValueError(f"not a {kind} period: {slug!r}")
    year, number = int(match.group(1)), int(match.group(2))
    if kind == "weekly":
        return containing(kind, date.fromisocalendar(year, number, 1))
    return containing(kind, date(year, number, 1))


def _bad(slug: str) -> date:
    raise ValueError(f"not a date: {slug!r}")
