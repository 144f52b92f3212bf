"""RSS and Atom feeds: daily papers, trending, each category, and any search with its filters.

Every feed comes as /feeds/NAME.atom and /feeds/NAME.rss, with conditional GET (ETag and
Last-Modified) and a Cache-Control lifetime.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from paperfeed.models import Hit
from paperfeed.rank.listings import daily
from paperfeed.rank.search import SearchFilters, search
from paperfeed.rank.trending import trending_list
from paperfeed.web import feedxml
from paperfeed.web.deps import search_mode
from paperfeed.web.httpkit import conditional
from paperfeed.web.params import Categories, Mode, SearchSort, categories, now, parse_period

router = APIRouter(prefix="/feeds", tags=["feeds"])
MAX_AGE = 900  # feed readers poll; a quarter of an hour is fresh enough
MEDIA = {"atom": "application/atom+xml; charset=utf-8", "rss": "application/rss+xml; charset=utf-8"}
Limit = Annotated[int, Query(ge=1, le=100, description="Entries (1–100).")]
CATEGORY_PATH = r"^[A-Za-z][A-Za-z0-9.-]{0,39}$"


class Format(StrEnum):
    atom = "atom"
    rss = "rss"


FEED_RESPONSES: dict[int | str, dict[str, object]] = {200: {"content": {
    "application/atom+xml": {"schema": {"type": "string"}},
    "application/rss+xml": {"schema": {"type": "string"}}},
    "description": "The feed (Atom or RSS 2.0, by the path's extension)."}}


def _info(request: Request, title: str, subtitle: str, html_path: str) -> feedxml.FeedInfo:
    settings = request.app.state.settings
    base = str(settings.base_url).rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return feedxml.FeedInfo(title=f"{settings.site_name}: {title}", subtitle=subtitle,
                            self_url=f"{base}{request.url.path}{query}",
                            html_url=f"{base}{html_path}", site_name=settings.site_name,
                            base_url=base)


def _feed(request: Request, fmt: Format, info: feedxml.FeedInfo,
          hits: Sequence[Hit]) -> Response:
    papers = [h.paper for h in hits]
    body = feedxml.atom(info, papers) if fmt is Format.atom else feedxml.rss(info, papers)
    changed = request.app.state.store.changed_at([p.id for p in papers])
    return conditional(request, body, media_type=MEDIA[fmt.value], last_modified=changed,
                       max_age=MAX_AGE)


@router.get("/daily.{fmt}", response_class=Response, responses=FEED_RESPONSES,
            summary="Daily papers feed")
def daily_feed(request: Request, fmt: Format, *,
               day: Annotated[date | None, Query(alias="date",
                                                 description="YYYY-MM-DD")] = None,
               sort: Literal["trending", "date"] = "trending",
               limit: Limit = 50) -> Response:
    """The papers of one day (the newest day with papers by default)."""
    store, settings = request.app.state.store, request.app.state.settings
    period = parse_period(store, day, None, None)
    hits = [] if period is None else daily(
        store, period.start, sort=sort, now=now(), limit=limit,
        half_life_days=settings.trending_half_life_days)
    label = period.start.isoformat() if period else "none yet"
    return _feed(request, fmt, _info(request, f"daily papers ({label})",
                                     f"Papers of {label}, by {sort}.", "/"), hits)


@router.get("/trending.{fmt}", response_class=Response, responses=FEED_RESPONSES,
            summary="Trending papers feed")
def trending_feed(request: Request, fmt: Format, *,
                  days: Annotated[int, Query(ge=1, le=90, description="1–90")] = 7,
                  category: Categories = [],  # noqa: B006 (FastAPI copies defaults)
                  limit: Limit = 50) -> Response:
    """What readers upvote lately."""
    settings = request.app.state.settings
    hits = trending_list(request.app.state.store, now(), days=days, limit=limit,
                         half_life_days=settings.trending_half_life_days,
                         categories=categories(category)).hits
    return _feed(request, fmt, _info(request, "trending papers",
                                     f"Trending over the last {days} days.", "/"), hits)


@router.get("/category/{cat}.{fmt}", response_class=Response, responses=FEED_RESPONSES,
            summary="Newest papers of one category")
def category_feed(request: Request, fmt: Format, *,
                  cat: Annotated[str, Path(pattern=CATEGORY_PATH,
                                           description="An arXiv category: cs.LG, math")],
                  limit: Limit = 50) -> Response:
    """The newest papers of an arXiv category (an archive like `cs` takes every cs.*)."""
    result = search(request.app.state.store, "", mode="keyword",
                    filters=SearchFilters(categories=(cat,)), sort="date", limit=limit)
    html = "/search?" + urlencode({"q": f"cat:{cat}"})
    return _feed(request, fmt, _info(request, f"newest in {cat}",
                                     f"The newest papers in {cat}.", html), result.hits)


@router.get("/search.{fmt}", response_class=Response, responses=FEED_RESPONSES,
            summary="Feed of any search")
def search_feed(
    request: Request, fmt: Format, *,
    q: Annotated[str, Query(min_length=1, max_length=500, description='Words, "phrases", '
                            "-exclusions, author:, cat:, year: (1–500 characters).")],
    mode: Mode = "hybrid", sort: SearchSort = "date",
    category: Categories = [],  # noqa: B006
    date_from: date | None = None, date_to: date | None = None, has_code: bool = False,
    limit: Limit = 50,
) -> Response:
    """The papers that match a search (never the merely nearest ones), newest first by
    default, with the search page's filters."""
    used, model = search_mode(request, mode)
    filters = SearchFilters(categories=categories(category), date_from=date_from,
                            date_to=date_to, has_code=has_code)
    result = search(request.app.state.store, q, mode=used, filters=filters, sort=sort,
                    limit=limit, embedder=model, match=True)
    html = "/search?" + request.url.query
    return _feed(request, fmt, _info(request, f"search “{q}”",
                                     f"Papers matching {q}, by {sort}.", html),
                 result.hits[:result.matched])
