"""The signed-in reader's feed pages: signal buttons, follow, /for-you and onboarding.

Every form works without script (a redirect back); app.js sends the signal forms in the
background and gets JSON. Pages here are the reader's own: never cached or shared.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from paperfeed.rank.library import (
    MAX_BYTES,
    LibraryError,
    import_library,
    parse_bibtex,
    parse_pasted,
)
from paperfeed.rank.search import search
from paperfeed.web import readers
from paperfeed.web.api_me import change_signal
from paperfeed.web.auth import current_reader, safe_next
from paperfeed.web.cardview import card_extras
from paperfeed.web.deps import embedder
from paperfeed.web.security import require_csrf
from paperfeed.web.templating import dom_id, render
from paperfeed.web.views import COMMON_CATEGORIES

PAGE_KINDS = ("save", "hide", "more", "less", "like")
ONBOARDING_RESULTS = 10


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _to_signin(request: Request, target: str) -> Response:
    signin = "/signin?" + urlencode({"next": target})
    if _wants_json(request):
        return JSONResponse({"signin": signin}, status_code=401)
    return RedirectResponse(signin, status_code=303)


async def signal_form(request: Request, paper_id: str = Form(..., max_length=300),
                      kind: Literal["save", "hide", "more", "less", "like"] = Form(...),
                      on: Literal["0", "1"] = Form("1"),
                      next: str = Form("/", max_length=1000),
                      _: None = Depends(require_csrf)) -> Response:
    """Set or clear a signal from a card's button: JSON for scripts, a redirect for forms."""
    target = safe_next(next)
    if current_reader(request) is None:
        return _to_signin(request, target)
    try:
        out = await run_in_threadpool(change_signal, request, paper_id, kind, on == "1")
    except HTTPException as exc:
        if exc.status_code == 404:
            raise HTTPException(404, f"There is no paper {paper_id!r}.") from None
        raise
    if _wants_json(request):
        return JSONResponse(out.model_dump())
    return RedirectResponse(f"{target}#paper-{dom_id(paper_id)}", status_code=303)


async def follow_form(request: Request, name: str = Form(..., max_length=200),
                      on: Literal["0", "1"] = Form("1"),
                      next: str = Form("/", max_length=1000),
                      _: None = Depends(require_csrf)) -> Response:
    """Follow or unfollow an author: their new papers count as strongly liked."""
    target = safe_next(next)
    reader = current_reader(request)
    if reader is None:
        return _to_signin(request, target)
    await run_in_threadpool(readers.rate_limit, request.app.state.store, "signal", reader.id)
    try:
        await run_in_threadpool(request.app.state.store.follow_author, reader.id, name,
                                on == "1")
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(target, status_code=303)


def for_you_page(request: Request,
                 days: Annotated[int, Query(ge=1, le=readers.MAX_DAYS)] = 1) -> Response:
    """The reader's own feed: new papers ranked by their signals, with reasons and buttons;
    a reader with no signals yet is sent to onboarding."""
    reader = current_reader(request)
    if reader is None:
        return _to_signin(request, "/for-you")
    store = request.app.state.store
    mine = readers.signals(store, reader.id)
    if mine.count == 0:
        return RedirectResponse("/onboarding", status_code=303)
    hits = readers.feed(request, mine, days=days, limit=request.app.state.settings.page_size)
    since, until = readers.window(store, days)
    return render(request, "foryou.html", {
        "hits": hits, "days": days, "since": since, "until": until, "count": mine.count,
        "choices": readers.FEED_DAYS, "voted": store.has_voted(reader.id, _ids(hits)),
        "mine": store.signal_states(reader.id, _ids(hits)),
        "comment_counts": store.comment_counts(_ids(hits))} | card_extras(store, _ids(hits)))


def _ids(hits: list[Any]) -> list[str]:
    return [h.paper.id for h in hits]


def onboarding_page(request: Request, q: str = Query("", max_length=300)) -> Response:
    """Search and mark papers you know, pick categories, type topics, import a library."""
    reader = current_reader(request)
    if reader is None:
        return _to_signin(request, "/onboarding")
    return render(request, "onboarding.html", _onboarding(request, reader.id, q))


def _onboarding(request: Request, reader_id: int, q: str, **extra: Any) -> dict[str, Any]:
    store, settings = request.app.state.store, request.app.state.settings
    mine = readers.signals(store, reader_id)
    hits = search(store, q, limit=ONBOARDING_RESULTS, embedder=embedder(request)).hits \
        if q.strip() else []
    return {"q": q, "hits": hits, "count": mine.count, "topics": "\n".join(mine.topics),
            "picked": set(mine.categories), "voted": store.has_voted(reader_id, _ids(hits)),
            "known_categories": tuple(dict.fromkeys([*settings.categories,
                                                     *COMMON_CATEGORIES, *mine.categories])),
            "mine": store.signal_states(reader_id, _ids(hits)), "error": None,
            "onboarding": True} | extra


async def interests_form(request: Request,
                         topics: Annotated[str, Form(max_length=4000)] = "",
                         categories: Annotated[list[str] | None, Form(max_length=30)] = None,
                         _: None = Depends(require_csrf)) -> Response:
    """Save the topics typed and categories picked on the onboarding page."""
    reader = current_reader(request)
    if reader is None:
        return _to_signin(request, "/onboarding")
    try:
        kept, cats = readers.interests(topics.splitlines(), list(categories or []))
    except readers.BadInterests as exc:
        context = _onboarding(request, reader.id, "", error=str(exc))
        return render(request, "onboarding.html", context, status=422)
    await run_in_threadpool(request.app.state.store.set_interests, reader.id, kept, cats)
    return RedirectResponse("/for-you", status_code=303)


async def import_form(request: Request,
                      text: Annotated[str, Form(max_length=200_000)] = "",
                      bibtex: Annotated[UploadFile | None, File()] = None,
                      _: None = Depends(require_csrf)) -> Response:
    """Import pasted ids or a BibTeX file: matched papers become likes, the rest is listed."""
    reader = current_reader(request)
    if reader is None:
        return _to_signin(request, "/onboarding")
    await run_in_threadpool(readers.rate_limit, request.app.state.store, "import", reader.id)
    data = await bibtex.read(MAX_BYTES + 1) if bibtex is not None and bibtex.filename else b""
    try:
        wanted = parse_bibtex(data) if data else parse_pasted(text)
        result = await run_in_threadpool(import_library, request.app.state.store, reader.id,
                                         wanted)
    except LibraryError as exc:
        context = _onboarding(request, reader.id, "", error=f"Nothing was imported: {exc}.")
        return render(request, "onboarding.html", context, status=422)
    return render(request, "imported.html", {"result": result})

