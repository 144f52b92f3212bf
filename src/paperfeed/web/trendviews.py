"""The data of /trends, a cluster's trend and a paper's votes over time: series and charts.

Built from day counts in the store (rank/trends.py does the arithmetic) and cached like every
page's data; charts come ready as SVG (web/charts.py), tables from the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paperfeed.rank import trends
from paperfeed.rank.search import MAX_DEPTH, matching_ids
from paperfeed.store import Store
from paperfeed.web.charts import line_chart, sparkline

SHOWN_CATEGORIES = 40
CHART_LINES = 5
VOTE_WEEKS = 26


def newest_day(store: Store) -> date | None:
    """The newest listing day with papers: trends end there (an archive is not today)."""
    return store.neighbour_days(date(9999, 12, 30))[0]


def _tick(day: date) -> str:
    return f"{day:%b} {day.day}"


def _row(series: trends.Series, href: str | None) -> dict[str, Any]:
    sentence = (f"{series.name}: {series.total} papers in the last year, {series.recent} in "
                f"the last {trends.RECENT} weeks")
    return {"name": series.name, "href": href, "total": series.total,
            "recent": series.recent, "before": series.before,
            "growth": f"×{series.growth:.1f}", "spark": sparkline(series.counts, sentence)}


def cluster_href(cluster: str) -> str:
    return f"/map/clusters/{cluster}"


def _chart(lines: Sequence[trends.Series], end: date, what: str) -> Any:
    starts = trends.week_starts(end)
    sentence = (f"Papers per week over the year to {end.isoformat()}: " + "; ".join(
        f"{s.name}, {s.recent} in the last {trends.RECENT} weeks against {s.before} in the "
        f"{trends.BEFORE} before" for s in lines) if lines else f"No {what} to chart.")
    return line_chart([(s.name, s.counts) for s in lines], [_tick(d) for d in starts],
                      sentence)


def trends_page(store: Store) -> dict[str, Any]:
    """Rising and new clusters, rising categories, every cluster and the largest categories."""
    end = newest_day(store)
    if end is None:
        return {"end": None}
    since = trends.window_start(end)
    names = {str(c.id): c.label for c in store.map_clusters()}
    clusters = trends.series(store.day_counts("cluster", since), end, names) if names else []
    categories = trends.series(store.day_counts("category", since), end, {})
    rising_clusters = trends.rising(clusters)
    rising_categories = trends.rising(categories)
    lead = rising_clusters or rising_categories
    return {
        "end": end, "weeks": trends.WEEKS, "recent_weeks": trends.RECENT,
        "before_weeks": trends.BEFORE, "has_map": bool(names),
        "chart": _chart(lead[:CHART_LINES], end, "rising topics"),
        "chart_lines": [_row(s, None) for s in lead[:CHART_LINES]],
        "rising_clusters": [_row(s, cluster_href(s.key)) for s in rising_clusters],
        "new_clusters": [_row(s, cluster_href(s.key)) for s in clusters if s.new],
        "rising_categories": [_row(s, f"/trends?category={s.key}")
                              for s in rising_categories],
        "clusters": [_row(s, cluster_href(s.key)) for s in clusters],
        "categories": [_row(s, f"/trends?category={s.key}")
                       for s in categories[:SHOWN_CATEGORIES]],
    }


def cluster_trend(store: Store, cluster: int, label: str) -> dict[str, Any]:
    """One cluster's papers per week over the last year: chart and numbers."""
    end = newest_day(store)
    if end is None:
        return {"chart": None}
    rows = [r for r in store.day_counts("cluster", trends.window_start(end))
            if r[1] == str(cluster)]
    found = trends.series(rows, end, {str(cluster): label})
    line = found[0] if found else trends.Series(str(cluster), label,
                                                (0,) * trends.WEEKS)
    return {"chart": _chart([line], end, "papers"), "line": _row(line, None),
            "weeks": list(zip([_tick(d) for d in trends.week_starts(end)], line.counts,
                              strict=True))}


def _monthly_chart(days: Sequence[date], end: date, what: str) -> dict[str, Any]:
    months = trends.monthly(days, end)
    total = sum(n for _, n in months)
    sentence = (f"{what}: {total} papers in the twelve months to {end:%B %Y}; " +
                ", ".join(f"{m:%b %Y} {n}" for m, n in months))
    return {"chart": line_chart([(what, [n for _, n in months])],
                                [f"{m:%b %Y}" for m, _ in months], sentence),
            "months": [(f"{m:%B %Y}", n) for m, n in months], "total": total}


def category_trend(store: Store, category: str) -> dict[str, Any]:
    """Papers per month in one primary category (as /trends counts them)."""
    end = newest_day(store)
    if end is None:
        return {"chart": None}
    start = date(end.year - 1, end.month, 1)
    days = [d for d, n in store.category_day_counts(category, start) for _ in range(n)]
    return _monthly_chart(days, end, f"Papers in {category}")


def query_trend(store: Store, q: str, embedder: Any) -> dict[str, Any]:
    """Papers matching a search per month (the matches search counts, up to its depth)."""
    end = newest_day(store)
    if end is None:
        return {"chart": None}
    ids = matching_ids(store, q, embedder)
    out = _monthly_chart(store.paper_days(ids), end, f"Papers matching “{q}”")
    return out | {"capped": len(ids) >= MAX_DEPTH}


def vote_trend(store: Store, paper_id: str, *, now: datetime | None = None) -> Any:
    """A paper's votes per week over the last half year as a sparkline; None without votes."""
    now = now or datetime.now(UTC)
    since = now - timedelta(weeks=VOTE_WEEKS)
    times = store.vote_times(since, [paper_id]).get(paper_id, [])
    if not times:
        return None
    rows = [(t.date(), "v", 1) for t in times]
    counts = trends.weekly(rows, now.date(), VOTE_WEEKS).get("v", [0] * VOTE_WEEKS)
    sentence = (f"{len(times)} {'vote' if len(times) == 1 else 'votes'} in the last "
                f"{VOTE_WEEKS} weeks, {sum(counts[-4:])} of them in the last four")
    return {"spark": sparkline(counts, sentence, width=160), "sentence": sentence}
