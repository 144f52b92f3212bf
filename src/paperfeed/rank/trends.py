"""What is rising: papers per week over the last year, per cluster or category, and growth.

Pure functions over (day, key, count) rows from the store. Weeks are seven-day spans counted
back from the newest day with papers (not calendar weeks), so the newest week is whole and
"the last four weeks" are as long as the twelve before them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WEEKS = 52
RECENT = 4  # weeks whose rate is compared...
BEFORE = 12  # ...with the rate of the weeks before them
MIN_RECENT = 5  # papers in the recent weeks for a series to count as rising
NEW_SHARE = 0.5  # a cluster is new when this share of its year came in the last BEFORE weeks
MIN_NEW = 10  # ... and it has at least this many papers


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: papers per week, oldest week first."""

    key: str
    name: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def recent(self) -> int:
        return sum(self.counts[-RECENT:])

    @property
    def before(self) -> int:
        return sum(self.counts[-RECENT - BEFORE:-RECENT])

    @property
    def growth(self) -> float:
        """Weekly rate of the last RECENT weeks over that of the BEFORE weeks before them
        (one paper a week added to both, so a series from nothing is not infinitely up)."""
        return (self.recent / RECENT + 1.0) / (self.before / BEFORE + 1.0)

    @property
    def new(self) -> bool:
        """Most of its year is recent: a cluster that was hardly there before."""
        latest = sum(self.counts[-BEFORE:])
        return self.total >= MIN_NEW and latest >= NEW_SHARE * self.total


def week_starts(end: date, weeks: int = WEEKS) -> list[date]:
    """The first day of each of the weeks that end on end, oldest first."""
    return [end - timedelta(days=7 * (weeks - i) - 1) for i in range(weeks)]


def window_start(end: date, weeks: int = WEEKS) -> date:
    return end - timedelta(days=7 * weeks - 1)


def weekly(rows: Iterable[tuple[date, str, int]], end: date,
           weeks: int = WEEKS) -> dict[str, list[int]]:
    """Counts per key per week for the weeks that end on end (older rows are ignored)."""
    out: dict[str, list[int]] = {}
    for day, key, count in rows:
        back = (end - day).days // 7
        if 0 <= back < weeks:
            out.setdefault(key, [0] * weeks)[weeks - 1 - back] += count
    return out


def series(rows: Iterable[tuple[date, str, int]], end: date, names: dict[str, str],
           weeks: int = WEEKS) -> list[Series]:
    """One Series per key, largest year first; names maps keys to what readers see."""
    found = weekly(rows, end, weeks)
    made = [Series(k, names.get(k, k), tuple(v)) for k, v in found.items()]
    return sorted(made, key=lambda s: (-s.total, s.key))


def rising(all_series: Sequence[Series], limit: int = 10) -> list[Series]:
    """The series growing fastest (with enough recent papers to mean something)."""
    up = [s for s in all_series if s.recent >= MIN_RECENT and s.growth > 1.0]
    return sorted(up, key=lambda s: (-s.growth, -s.recent, s.key))[:limit]


def monthly(days: Iterable[date], end: date, months: int = 12) -> list[tuple[date, int]]:
    """(first day of month, papers) for the months up to end's, oldest first."""
    firsts: list[date] = []
    year, month = end.year, end.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    counts = dict.fromkeys(firsts, 0)
    for day in days:
        first = date(day.year, day.month, 1)
        if first in counts and day <= end:
            counts[first] += 1
    return list(counts.items())
