"""Server-rendered HTML pages (Jinja2, autoescaped): listings, search, paper pages, votes.

Signed-out readers get pages from an in-process cache that the store's data version keys
(a vote or an ingest anywhere empties it); signed-in readers get their own rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperfeed.errors import NotFound
from paperfeed.web import periods, views
from paperfeed.web.auth import current_reader, safe_next
from paperfeed.web.cache import CachedPage, PageCache
from paperfeed.web.cardview import card_extras
from paperfeed.web.deps import embedder, search_mode
from paperfeed.web.httpkit import validation_handler
from paperfeed.web.security import require_csrf
from paperfeed.web.templating import dom_id, render, render_html

ListingSort = Literal["trending", "date"]


def _cache_key(request: Request) -> str:
    return request.url.path + "?" + urlencode(sorted(request.query_params.multi_items()))


Build = Callable[[views.Viewer], dict[str, Any] | None]


def _context(request: Request, build: Build, key: str, version: str) -> dict[str, Any]:
    """The page's data, the same for every reader: cached like the pages; None is a 404."""
    data: PageCache[dict[str, Any]] = request.app.state.data_cache
    context = data.get(key)
    if context is None:
        context = build(views.Viewer(request.app.state.store, request.app.state.settings))
        if context is None:
            raise HTTPException(404, "There is no such page.")
        store, ids = request.app.state.store, views.shown_ids(context)
        context = context | {"comment_counts": store.comment_counts(ids)}
        context |= card_extras(store, ids)
        data.put(key, context, version)
    return context


async def cached_page(request: Request, template: str, build: Build) -> Response:
    """The page for this URL: whole from the cache for signed-out readers; for a signed-in
    reader rendered from the cached data plus which of its papers they voted for."""
    reader = current_reader(request)
    cache: PageCache[CachedPage] = request.app.state.page_cache
    version, key = cache.version(), _cache_key(request)
    if reader is None and (page := cache.get(key)) is not None:
        return page.response(request)

    def work() -> str:
        request.app.state.data_cache.version()
        context = _context(request, build, key, version)
        if reader is not None:
            context = context | _readers_marks(request.app.state.store, reader.id, context)
        return render_html(request, template, context)

    html = await run_in_threadpool(work)
    if reader is None and not getattr(request.state, "csrf_used", False):
        page = CachedPage.of(html)
        cache.put(key, page, version)
        return page.response(request)
    return HTMLResponse(html, headers={"Cache-Control": "private, no-cache", "Vary": "Cookie"})


def _readers_marks(store: Any, reader_id: int, context: dict[str, Any]) -> dict[str, Any]:
    """What only this reader sees on a shared page: their votes and private signals."""
    ids = views.shown_ids(context)
    marks = {"voted": store.has_voted(reader_id, ids), "mine": store.signal_states(reader_id, ids),
             "my_collections": store.reader_collections(reader_id)}
    if "paper" in context:
        signals = store.reader_signals(reader_id)
        marks["followed"] = set(signals.authors) if signals is not None else set()
    return marks


# -- listings ------------------------------------------------------------------------------

PageNo = Query(1, ge=1, le=1000)


async def home(request: Request, page: int = PageNo) -> Response:
    """Trending papers: the home page."""
    return await cached_page(request, "listing.html",
                             lambda v: views.trending_listing(v, page=page))


def _kind(request: Request) -> str:
    return request.url.path.strip("/").split("/")[0]


async def period_latest(request: Request, page: int = PageNo,
                        sort: ListingSort = "trending") -> Response:
    """The newest day, week or month with papers (/daily, /weekly, /monthly)."""
    return await _period(request, _kind(request), None, page, sort)


async def period_page(request: Request, slug: str, page: int = PageNo,
                      sort: ListingSort = "trending") -> Response:
    """One day (/daily/2026-08-21), ISO week (/weekly/2026-W34) or month (/monthly/2026-08)."""
    return await _period(request, _kind(request), slug, page, sort)


async def _period(request: Request, kind: str, slug: str | None, page: int,
                  sort: str) -> Response:
    if kind not in periods.TABS:
        raise HTTPException(404, "There is no such listing.")

    def build(view: views.Viewer) -> dict[str, Any] | None:
        try:
            return views.period_listing(view, kind, slug, page=page, sort=sort)
        except (ValueError, OverflowError):  # no such period, or one at the calendar's end
            return None

    return await cached_page(request, "listing.html", build)


# -- search and papers ------------------------------------------------------------------------

async def search_page(request: Request, *, q: str = Query("", max_length=500),
                      mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
                      sort: Literal["relevance", "date", "votes"] = "relevance",
                      category: str = Query("", max_length=200),
                      date_from: str = Query("", alias="from", max_length=20),
                      date_to: str = Query("", alias="to", max_length=20),
                      has_code: bool = False, page: int = PageNo) -> Response:
    """Search with filters, sorts and highlighted terms."""
    form = views.SearchForm(q=q, mode=mode, sort=sort, category=category, date_from=date_from,
                            date_to=date_to, has_code=has_code, page=page)

    def build(view: views.Viewer) -> dict[str, Any]:
        used, model = search_mode(request, form.mode) if form.q.strip() else (form.mode, None)
        return views.search_page(view, form, model if used != "keyword" else None)

    return await cached_page(request, "search.html", build)


async def paper_page(request: Request, paper_id: str) -> Response:
    """One paper: abstract with rendered LaTeX, links, votes and similar papers."""
    return await cached_page(request, "paper.html",
                             lambda v: views.paper_page(v, paper_id, embedder(request)))


async def vote(request: Request, paper_id: str = Form(..., max_length=300),
               next: str = Form("/", max_length=1000),
               _: None = Depends(require_csrf)) -> Response:
    """Toggle the reader's vote; JSON for scripts, a redirect back for plain forms."""
    reader = current_reader(request)
    wants_json = "application/json" in request.headers.get("accept", "")
    target = safe_next(next)
    if reader is None:
        signin = "/signin?" + urlencode({"next": target})
        if wants_json:
            return JSONResponse({"signin": signin}, status_code=401)
        return RedirectResponse(signin, status_code=303)
    store = request.app.state.store
    try:
        voted = await run_in_threadpool(store.toggle_vote, reader.id, paper_id)
    except NotFound:
        raise HTTPException(404, "There is no such paper.") from None
    if not wants_json:
        return RedirectResponse(f"{target}#paper-{dom_id(paper_id)}", status_code=303)
    votes = (await run_in_threadpool(store.vote_counts, [paper_id])).get(paper_id, 0)
    return JSONResponse({"paper_id": paper_id, "voted": voted, "votes": votes})


# -- errors --------------------------------------------------------------------------------

def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and \
        "text/html" in request.headers.get("accept", "")


async def http_error(request: Request, exc: Exception) -> Response:
    """HTTP errors as an HTML page for browsers (the API and scripts keep JSON)."""
    assert isinstance(exc, StarletteHTTPException)
    if not _wants_html(request) or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed"}
    context = {"title": titles.get(exc.status_code, "Something went wrong"),
               "text": exc.detail if isinstance(exc.detail, str) else "",
               "link": ("/search", "Search the papers")}
    response = render(request, "message.html", context, status=exc.status_code)
    response.headers.update(exc.headers or {})  # Retry-After of a 429, for instance
    return response


async def invalid_request(request: Request, exc: Exception) -> Response:
    """Bad parameters as an HTML page for browsers; JSON that names them for the rest."""
    assert isinstance(exc, RequestValidationError)
    if not _wants_html(request):
        return await validation_handler(request, exc)
    context = {"title": "That address is not right",
               "text": "Some of the values in this address are not allowed.",
               "link": ("/", "Go to the home page")}
    return render(request, "message.html", context, status=422)
