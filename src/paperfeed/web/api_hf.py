"""The Hugging Face Hub's paper endpoints, same paths, parameters and JSON shapes, so that
`huggingface_hub.HfApi(endpoint=<this instance>)` lists, searches and reads our papers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.responses import Response

from paperfeed.models import Hit, Paper
from paperfeed.rank.listings import listing
from paperfeed.rank.search import search
from paperfeed.safeurl import safe_url, safe_urls
from paperfeed.web.api_models import (
    ErrorOut,
    HubDailyItem,
    HubError,
    HubPaper,
    hub_item,
    hub_paper,
    page_url,
)
from paperfeed.web.deps import search_mode
from paperfeed.web.httpkit import conditional
from paperfeed.web.params import MONTH, WEEK, now, parse_period
from paperfeed.web.periods import Period

router = APIRouter(tags=["Hugging Face-compatible"])
MAX_AGE = 60
SUBMITTER_SCAN = 10_000  # papers of a period looked through for one submitter
ITEMS = TypeAdapter(list[HubDailyItem])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {
    "model": HubError | ErrorOut,
    "description": '{"error": ...} for an unknown paper (as on the Hub); {"detail": ...} '
                   "for a path that cannot name a paper at all."}}


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "Paper not found"}, status_code=404)


def _respond(request: Request, body: bytes, ids: Sequence[str], media_type: str) -> Response:
    changed = request.app.state.store.changed_at(ids)
    return conditional(request, body, media_type=media_type, last_modified=changed,
                       max_age=MAX_AGE)


def _items(request: Request, hits: Sequence[Hit]) -> Response:
    store, ids = request.app.state.store, [h.paper.id for h in hits]
    comments = store.comment_counts(ids)
    cards, submitted = (store.cards(ids), store.submissions(ids)) if ids else ({}, {})
    items = [hub_item(h.paper, h.votes, comments.get(h.paper.id, 0), cards.get(h.paper.id),
                      submitted.get(h.paper.id)) for h in hits]
    return _respond(request, ITEMS.dump_json(items, by_alias=True),
                    [h.paper.id for h in hits], "application/json")


def _listed(request: Request, period: Period, *, sort: str, limit: int, offset: int,
            submitter: str | None) -> list[Hit]:
    store, settings = request.app.state.store, request.app.state.settings

    def window(size: int, skip: int) -> list[Hit]:
        return listing(store, period.start, period.end, sort=sort, now=now(), limit=size,
                       offset=skip, half_life_days=settings.trending_half_life_days)

    if submitter is None:
        return window(limit, offset)
    found = [h for h in window(SUBMITTER_SCAN, 0) if h.paper.source == submitter]
    return found[offset:offset + limit]


@router.get("/api/daily_papers", response_model=list[HubDailyItem],
            summary="Daily papers (Hugging Face Hub compatible)")
def daily_papers(
    request: Request, *,
    day: Annotated[date | None, Query(alias="date", description="YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(pattern=WEEK, description="ISO week, YYYY-Www")] = None,
    month: Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM")] = None,
    submitter: Annotated[str | None, Query(max_length=100, description="Only papers brought "
                                           "in by this source (arxiv, hf_daily, jsonl...).")
                         ] = None,
    sort: Literal["publishedAt", "trending"] = "publishedAt",
    p: Annotated[int, Query(ge=0, le=10_000, description="Page number (0–10000).")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Papers per page (1–100).")] = 50,
) -> Response:
    """The papers of a day (the newest day by default), an ISO week or a month."""
    period = parse_period(request.app.state.store, day, week, month)
    if period is None:
        return _items(request, [])
    hits = _listed(request, period, sort="date" if sort == "publishedAt" else "trending",
                   limit=limit, offset=p * limit, submitter=submitter)
    return _items(request, hits)


@router.get("/api/papers/search", response_model=list[HubDailyItem],
            summary="Search papers (Hugging Face Hub compatible)")
def search_papers(
    request: Request, *,
    q: Annotated[str, Query(max_length=250, description="What to look for (up to 250 "
                            "characters); empty lists the newest papers.")] = "",
    limit: Annotated[int, Query(ge=1, le=120, description="Papers to return (1–120).")] = 50,
) -> Response:
    """Hybrid search (keyword only when no embedding model is installed), best first."""
    store = request.app.state.store
    if not q.strip():
        papers = store.list_papers(limit=limit)
        votes = store.vote_counts([p.id for p in papers])
        return _items(request, [Hit(paper=p, votes=votes.get(p.id, 0)) for p in papers])
    mode, model = search_mode(request, "hybrid")
    result = search(store, q, mode=mode, limit=limit, embedder=model)
    return _items(request, result.hits)


@router.get("/api/papers/{paper_id:path}", response_model=HubPaper, responses=NOT_FOUND,
            summary="One paper (Hugging Face Hub compatible)")
def paper_info(request: Request, paper_id: str) -> Response:
    """A paper in the Hub's shape; 404 {"error": ...} when unknown."""
    store = request.app.state.store
    paper = store.get_paper(paper_id)
    if paper is None:
        return _not_found()
    body = hub_paper(paper, store.vote_counts([paper_id]).get(paper_id, 0),
                     store.comment_counts([paper_id]).get(paper_id, 0),
                     store.cards([paper_id]).get(paper_id),
                     store.submissions([paper_id]).get(paper_id))
    return _respond(request, body.model_dump_json(by_alias=True).encode(), [paper_id],
                    "application/json")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _md(text: str) -> str:
    """Text safe inside Markdown: no links, HTML or emphasis can be smuggled in."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def paper_markdown(paper: Paper, page: str) -> str:
    """A paper as a short Markdown document: title, authors, dates, links, abstract."""
    lines = [f"# {_md(paper.title)}", ""]
    if paper.authors:
        lines += [f"**Authors:** {_md(', '.join(paper.author_names))}", ""]
    facts = [f"**Published:** {paper.published.date().isoformat()}" if paper.published else "",
             f"**Categories:** {_md(', '.join(paper.categories))}" if paper.categories else ""]
    if any(facts):
        lines += [" · ".join(f for f in facts if f), ""]
    links = [f"[this page](<{page}>)"]
    links += [f"[abstract](<{paper.url}>)"] if paper.url else []
    links += [f"[PDF](<{paper.pdf_url}>)"] if paper.pdf_url else []
    links += [f"[code](<{u}>)" for u in paper.code_urls]
    lines += ["**Links:** " + " · ".join(links), "", "## Abstract", "", _md(paper.abstract), ""]
    return "\n".join(lines)


def _safe_url(url: str) -> str:
    return url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


@router.get("/papers/{paper_id:path}.md", summary="One paper as Markdown",
            response_class=Response, responses={
                200: {"content": {"text/markdown": {"schema": {"type": "string"}}}},
                **NOT_FOUND})
def read_paper(request: Request, paper_id: str) -> Response:
    """What `HfApi.read_paper` reads: the paper page as Markdown."""
    store = request.app.state.store
    paper = store.get_paper(paper_id)
    if paper is None:
        return _not_found()
    url, pdf_url = safe_url(paper.url), safe_url(paper.pdf_url)
    safe: dict[str, Any] = {"url": _safe_url(url) if url else None,
                            "pdf_url": _safe_url(pdf_url) if pdf_url else None,
                            "code_urls": tuple(_safe_url(u) for u in safe_urls(paper.code_urls))}
    text = paper_markdown(replace(paper, **safe), _safe_url(page_url(
        request.app.state.settings.base_url, paper.id)))
    return _respond(request, text.encode(), [paper_id], "text/markdown; charset=utf-8")
