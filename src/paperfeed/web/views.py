"""What each page shows: template contexts built from one ranking call and the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from paperfeed.config import Settings
from paperfeed.models import Hit
from paperfeed.rank.listings import listing
from paperfeed.rank.search import SearchFilters, search
from paperfeed.rank.similar import similar
from paperfeed.rank.trending import trending_list
from paperfeed.store import Store
from paperfeed.web import periods
from paperfeed.web.text import arxiv_links, safe_href
from paperfeed.web.trendviews import vote_trend

TRENDING_DAYS = 7
TAB_LABELS = {"trending": "Trending", "daily": "Daily", "weekly": "Weekly", "monthly": "Monthly"}
MODES = (("hybrid", "Hybrid"), ("keyword", "Keyword"), ("semantic", "Semantic"))
SEARCH_SORTS = (("relevance", "Relevance"), ("date", "Newest"), ("votes", "Votes"))
MAX_RESULTS = 1000  # search pages reach this deep
COMMON_CATEGORIES = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.CR", "cs.IR", "cs.RO", "cs.SE",
                     "stat.ML", "q-bio.BM", "math.OC", "eess.AS")


@dataclass(frozen=True)
class Viewer:
    """What every page is built from: the store, the settings and the time.

    Contexts are the same for every reader (they are cached); which of the papers shown the
    reader voted for is added by pages.py (from the ids `shown_ids` returns).
    """

    store: Store
    settings: Settings
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


def shown_ids(context: dict[str, Any]) -> list[str]:
    """The ids of the papers a page context shows with a vote button."""
    hits: list[Hit] = context.get("hits") or ([context["hit"]] if "hit" in context else [])
    return [h.paper.id for h in hits]


def _page_url(path: str, params: dict[str, str]) -> Callable[[int], str]:
    def url(page: int) -> str:
        query = {k: v for k, v in params.items() if v} | ({"page": str(page)} if page > 1 else {})
        return path + ("?" + urlencode(query) if query else "")
    return url


def _tabs(current: periods.Period | None) -> list[tuple[str, str, str]]:
    """(key, label, href): the other listings near the period shown, or the newest ones."""
    out = [("trending", TAB_LABELS["trending"], "/trending")]
    for tab, unit in periods.TABS.items():
        href = periods.containing(unit, current.start).url if current else f"/{tab}"
        out.append((tab, TAB_LABELS[tab], href))
    return out


def latest_day(store: Store, now: datetime) -> date | None:
    """The newest listing day with papers, up to today."""
    return store.neighbour_days(now.date() + timedelta(days=1))[0]


def period_listing(view: Viewer, tab: str, slug: str | None, *, page: int,
                   sort: str) -> dict[str, Any]:
    """A day, week or month of papers (the newest by default), with links to its neighbours."""
    unit = periods.TABS[tab]
    if slug is None:
        newest = latest_day(view.store, view.now)
        period = periods.containing(unit, newest or view.now.date())
    else:
        period = periods.parse(unit, slug)  # ValueError: 404
    size = view.settings.page_size
    hits = listing(view.store, period.start, period.end, sort=sort, now=view.now,
                   limit=size + 1, offset=(page - 1) * size,
                   half_life_days=view.settings.trending_half_life_days)
    before = view.store.neighbour_days(period.start)[0]
    after = view.store.neighbour_days(period.end)[1]
    sorts = [(k, label, period.url + ("?sort=date" if k == "date" else ""))
             for k, label in (("trending", "Trending"), ("date", "Newest"))]
    return _listing(view, hits, page, tab=tab, heading=period.label, sorts=sorts, sort=sort,
                    period_noun=period.kind, tabs=_tabs(period),
                    prev_url=periods.containing(unit, before).url if before else None,
                    next_url=periods.containing(unit, after).url if after else None,
                    empty_text=f"in this {period.kind}",
                    page_url=_page_url(period.url, {"sort": sort if sort != "trending" else ""}))


def trending_listing(view: Viewer, *, page: int) -> dict[str, Any]:
    """What is trending lately; anchored at the newest papers when the data is older than that,
    and the newest papers when none has a date in range."""
    size, notice = view.settings.page_size, None
    found = trending_list(view.store, view.now, days=TRENDING_DAYS, limit=size + 1,
                          offset=(page - 1) * size,
                          half_life_days=view.settings.trending_half_life_days)
    if found.anchored_to is not None:
        notice = (f"The newest papers here are from {periods.nice_date(found.anchored_to)}, so "
                  "this is what was trending then.")
    if found.newest_instead:
        notice = "Nothing was published or voted on lately; these are the newest papers."
    return _listing(view, found.hits, page, tab="trending", heading="Trending papers", sorts=[],
                    sort="trending", period_noun=None, tabs=_tabs(None), prev_url=None,
                    next_url=None, notice=notice, empty_text="trending right now",
                    page_url=_page_url("/trending", {}))


def _listing(view: Viewer, hits: list[Hit], page: int, **context: Any) -> dict[str, Any]:
    size = view.settings.page_size
    shown = hits[:size]
    total = view.store.count_papers() if not shown else None
    return {"hits": shown, "has_next": len(hits) > size, "page": page,
            "voted": set(), "total_papers": total, "notice": None} | context


@dataclass(frozen=True)
class SearchForm:
    """The search page's parameters, as typed (unknown values already refused by FastAPI)."""

    q: str = ""
    mode: str = "hybrid"
    sort: str = "relevance"
    category: str = ""
    date_from: str = ""
    date_to: str = ""
    has_code: bool = False
    page: int = 1

    def params(self, **changes: str) -> dict[str, str]:
        values = {"q": self.q, "mode": self.mode if self.mode != "hybrid" else "",
                  "sort": self.sort if self.sort != "relevance" else "",
                  "category": self.category, "from": self.date_from, "to": self.date_to,
                  "has_code": "1" if self.has_code else ""} | changes
        return {k: v for k, v in values.items() if v}

    def url(self, **changes: str) -> str:
        return "/search?" + urlencode(self.params(**changes))


def _date(text: str, notices: list[str], name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        notices.append(f"The {name} date “{text}” is not a date (YYYY-MM-DD); it was ignored.")
        return None


def search_page(view: Viewer, form: SearchForm, embedder: Any) -> dict[str, Any]:
    """One page of search results (or the search tips when nothing was asked)."""
    notices: list[str] = []
    filters = SearchFilters(
        categories=tuple(c.strip() for c in form.category.split(",") if c.strip()),
        date_from=_date(form.date_from, notices, "from"),
        date_to=_date(form.date_to, notices, "to"), has_code=form.has_code)
    mode = form.mode
    if mode != "keyword" and embedder is None and form.q.strip():
        notices.append("Semantic search is not available on this instance, so these are "
                       "keyword results.")
        mode = "keyword"
    context: dict[str, Any] = {
        "q": form.q, "mode": form.mode, "sort": form.sort, "category": form.category,
        "date_from": form.date_from, "date_to": form.date_to, "has_code": form.has_code,
        "modes": MODES, "sorts": SEARCH_SORTS, "notices": notices, "page": form.page,
        "known_categories": tuple(dict.fromkeys([*view.settings.categories,
                                                 *COMMON_CATEGORIES])),
        "searched": bool(form.q.strip() or filters != SearchFilters()),
        "hits": [], "total": 0, "terms": (), "voted": set(), "has_next": False,
        "matched": 0, "matched_more": False, "offset": 0,
        "active_filters": False,
        "page_url": lambda n: form.url(page=str(n)) if n > 1 else form.url(),
    }
    if not context["searched"]:
        return context
    size = view.settings.page_size
    offset = min((form.page - 1) * size, MAX_RESULTS)
    result = search(view.store, form.q, mode=mode, filters=filters, sort=form.sort,
                    limit=size, offset=offset, embedder=embedder, match=True)
    return context | {
        "hits": result.hits, "total": result.total, "terms": result.terms,
        "matched": result.matched, "matched_more": result.matched_more, "offset": offset,
        "has_next": offset + len(result.hits) < min(result.total, MAX_RESULTS),
        "active_filters": filters != SearchFilters(), "relax_links": _relax(form, mode),
    }


def _relax(form: SearchForm, mode: str) -> list[tuple[str, str]]:
    """Links that widen a search that found nothing."""
    links = []
    if form.category:
        links.append(("Search every category", form.url(category="")))
    if form.date_from or form.date_to:
        links.append(("Search every date", form.url(**{"from": "", "to": ""})))
    if form.has_code:
        links.append(("Include papers without code", form.url(has_code="")))
    if mode == "keyword" and form.mode == "keyword":
        links.append(("Try hybrid search (words and meaning)", form.url(mode="")))
    return links


def paper_page(view: Viewer, paper_id: str, embedder: Any) -> dict[str, Any] | None:
    """A paper with its links, votes and similar papers; None when there is no such paper."""
    store = view.store
    paper = store.get_paper(paper_id)
    if paper is None:
        return None
    hit = Hit(paper=paper, votes=store.vote_counts([paper_id]).get(paper_id, 0))
    arxiv = arxiv_links(paper.id)
    return {
        "paper": paper, "hit": hit, "voted": set(), "arxiv": arxiv,
        "source_url": None if arxiv else safe_href(paper.url),
        "doi_url": f"https://doi.org/{quote(paper.doi, safe='/')}" if paper.doi else None,
        "similar": similar(store, paper.id, limit=8, embedder=embedder),
        "similar_note": None,
        "comments": store.paper_comments(paper.id),
        "vote_trend": vote_trend(store, paper.id),
    }
