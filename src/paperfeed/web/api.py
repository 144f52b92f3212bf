"""Our own JSON API under /api/v1: papers, listings, search, trending, similar, votes.

Each handler checks its parameters, calls one ranking function and shapes the answer; lists
carry ETag and Last-Modified (a matching conditional request gets 304).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.responses import Response

from paperfeed.errors import NotFound
from paperfeed.models import Hit
from paperfeed.rank.listings import listing
from paperfeed.rank.search import SearchFilters, search
from paperfeed.rank.similar import similar
from paperfeed.rank.trending import trending
from paperfeed.web.api_models import (
    ErrorOut,
    HitOut,
    PaperOut,
    PaperPage,
    PeriodOut,
    SearchPage,
    VoteOut,
    hit_out,
    next_offset,
    paper_out,
)
from paperfeed.web.auth import current_reader
from paperfeed.web.deps import search_mode
from paperfeed.web.httpkit import conditional
from paperfeed.web.params import (
    MONTH,
    WEEK,
    Categories,
    Mode,
    Offset,
    SearchSort,
    categories,
    now,
    parse_period,
)
from paperfeed.web.security import require_csrf

router = APIRouter(prefix="/api/v1", tags=["paperfeed API"])
MAX_AGE = 60  # seconds a client or proxy may reuse a list without asking again
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such paper."}}
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1–100).")]


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


def _json(request: Request, model: PaperPage | PaperOut, ids: Sequence[str]) -> Response:
    body = model.model_dump_json().encode()
    changed = request.app.state.store.changed_at(ids)
    return conditional(request, body, media_type="application/json", last_modified=changed,
                       max_age=MAX_AGE)


def _items(request: Request, hits: list[Hit]) -> list[HitOut]:
    return [hit_out(h, _base(request)) for h in hits]


@router.get("/papers", response_model=PaperPage, summary="Papers of a day, week or month")
def list_papers(
    request: Request, *,
    day: Annotated[date | None, Query(alias="date", description="YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(pattern=WEEK, description="ISO week, YYYY-Www")] = None,
    month: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM")] = None,
    sort: Literal["trending", "date"] = "trending",
    limit: Limit = 30, offset: Offset = 0,
) -> Response:
    """One listing period (the newest day with papers by default), by trending or newest."""
    store, settings = request.app.state.store, request.app.state.settings
    period = parse_period(store, day, week, month)
    hits = [] if period is None else listing(
        store, period.start, period.end, sort=sort, now=now(), limit=limit, offset=offset,
        half_life_days=settings.trending_half_life_days)
    page = PaperPage(items=_items(request, hits), limit=limit, offset=offset, sort=sort,
                     next_offset=next_offset(offset, limit, len(hits)),
                     period=None if period is None else PeriodOut(
                         kind=period.kind, start=period.start, end=period.end))
    return _json(request, page, [h.paper.id for h in hits])


@router.get("/search", response_model=SearchPage, summary="Search papers")
def search_papers(
    request: Request, *,
    q: Annotated[str, Query(max_length=500, description='Words, "phrases", -exclusions, '
                            "author:, cat:, year: (up to 500 characters).")] = "",
    mode: Mode = "hybrid", sort: SearchSort = "relevance",
    category: Categories = [],  # noqa: B006 (FastAPI copies defaults)
    date_from: date | None = None, date_to: date | None = None, has_code: bool = False,
    limit: Limit = 20, offset: Offset = 0,
) -> Response:
    """Keyword, semantic or hybrid search with filters; semantic needs an embedding model.
    The results that match come first (total counts them), then the related ones."""
    used, model = search_mode(request, mode)
    filters = SearchFilters(categories=categories(category), date_from=date_from,
                            date_to=date_to, has_code=has_code)
    result = search(request.app.state.store, q, mode=used, filters=filters, sort=sort,
                    limit=limit, offset=offset, embedder=model, match=True)
    page = SearchPage(items=_items(request, result.hits), limit=limit, offset=offset,
                      sort=sort, next_offset=next_offset(offset, limit, len(result.hits)),
                      query=q, mode=used, total=result.matched,
                      total_more=result.matched_more, related=result.total - result.matched,
                      terms=list(result.terms))
    return _json(request, page, [h.paper.id for h in result.hits])


@router.get("/trending", response_model=PaperPage, summary="Trending papers")
def trending_papers(
    request: Request, *,
    days: Annotated[int, Query(ge=1, le=90, description="Look back this many days "
                               "(1–90).")] = 7,
    category: Categories = [],  # noqa: B006
    limit: Limit = 30, offset: Offset = 0,
) -> Response:
    """Papers listed or voted on lately, by votes decaying with age (settings' half-life)."""
    settings = request.app.state.settings
    hits = trending(request.app.state.store, now(), days=days, limit=limit, offset=offset,
                    half_life_days=settings.trending_half_life_days,
                    categories=categories(category))
    page = PaperPage(items=_items(request, hits), limit=limit, offset=offset, sort="trending",
                     next_offset=next_offset(offset, limit, len(hits)))
    return _json(request, page, [h.paper.id for h in hits])


@router.get("/papers/{paper_id:path}/similar", response_model=PaperPage, responses=NOT_FOUND,
            summary="Papers similar to one paper")
def similar_papers(request: Request, paper_id: str,
                   limit: Annotated[int, Query(ge=1, le=50, description="1–50")] = 10,
                   ) -> Response:
    """More like this: the nearest papers by meaning (by words without an embedding model)."""
    _, model = search_mode(request, "semantic")
    try:
        hits = similar(request.app.state.store, paper_id, limit=limit, embedder=model)
    except NotFound:
        raise HTTPException(404, f"no paper {paper_id!r}") from None
    page = PaperPage(items=_items(request, hits), limit=limit, offset=0, sort="similarity",
                     next_offset=None)
    return _json(request, page, [h.paper.id for h in hits])


@router.get("/papers/{paper_id:path}", response_model=PaperOut, responses=NOT_FOUND,
            summary="One paper")
def get_paper(request: Request, paper_id: str) -> Response:
    """Every stored field of one paper, with its vote count."""
    store = request.app.state.store
    paper = store.get_paper(paper_id)
    if paper is None:
        raise HTTPException(404, f"no paper {paper_id!r}")
    votes = store.vote_counts([paper_id]).get(paper_id, 0)
    return _json(request, paper_out(paper, votes, _base(request)), [paper_id])


def _signed_in(request: Request) -> int:
    reader = current_reader(request)
    if reader is None:
        raise HTTPException(401, "sign in to vote (POST /signin, then send the session cookie)")
    return reader.id


@router.post("/papers/{paper_id:path}/vote", response_model=VoteOut, summary="Toggle my vote",
             responses={401: {"model": ErrorOut, "description": "Not signed in."},
                        403: {"model": ErrorOut, "description": "Missing X-CSRF-Token."},
                        **NOT_FOUND},
             dependencies=[Depends(require_csrf)])
def vote(request: Request, paper_id: str) -> VoteOut:
    """Upvote a paper, or take the vote back (signed-in readers; send X-CSRF-Token)."""
    reader_id = _signed_in(request)
    store = request.app.state.store
    try:
        voted = store.toggle_vote(reader_id, paper_id)
    except NotFound:
        raise HTTPException(404, f"no paper {paper_id!r}") from None
    return VoteOut(paper_id=paper_id, voted=voted,
                   votes=store.vote_counts([paper_id]).get(paper_id, 0))
