"""The signed-in reader's own API: private signals on papers, their feed, their saved papers.

Session cookie and X-CSRF-Token header, as for votes. Signals are private: nobody else sees
them, and no page shared between readers counts them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from paperfeed.errors import NotFound
from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.rank.watch import watch_list
from paperfeed.web import readers
from paperfeed.web.api_models import ErrorOut, HitOut, hit_out
from paperfeed.web.security import require_csrf

router = APIRouter(prefix="/api/v1", tags=["my feed"])
KINDS = ("save", "hide", "more", "less")
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not signed in."},
    403: {"model": ErrorOut, "description": "Missing X-CSRF-Token."},
    404: {"model": ErrorOut, "description": "No such paper."}}


class SignalOut(BaseModel):
    paper_id: str
    kind: str
    on: bool  # the signal is now set
    changed: bool  # this request changed something
    signals: list[str]  # every signal of yours on this paper now


class FeedOut(BaseModel):
    items: list[HitOut]
    since: str
    until: str
    signals: int  # how many signals the feed learned from


class SavedOut(BaseModel):
    paper: HitOut
    saved_at: str
    updates: list[str]  # what changed since you last looked (watch list)


class SavedPage(BaseModel):
    items: list[SavedOut]


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


async def _csrf(request: Request) -> None:
    await require_csrf(request)


def change_signal(request: Request, paper_id: str, kind: str, on: bool) -> SignalOut:
    """Set or clear one of the signed-in reader's signals (shared by API and pages)."""
    reader = readers.signed_in(request, "mark papers")
    store = request.app.state.store
    readers.rate_limit(store, "signal", reader.id)
    try:
        changed = store.set_signal(reader.id, paper_id, kind, on)
    except NotFound:
        raise HTTPException(404, f"no paper {paper_id!r}") from None
    now = sorted(store.signal_states(reader.id, [paper_id]).get(paper_id, set()))
    return SignalOut(paper_id=paper_id, kind=kind, on=kind in now, changed=changed, signals=now)


def _route(kind: str, on: bool) -> Any:
    async def handler(request: Request, paper_id: str) -> SignalOut:
        return await run_in_threadpool(change_signal, request, paper_id, kind, on)
    handler.__name__ = f"{'set' if on else 'clear'}_{kind}"
    handler.__doc__ = (f"{'Set' if on else 'Clear'} your private “{kind}” signal on a paper "
                       "(signed-in readers; send X-CSRF-Token).")
    return handler


for _kind in KINDS:
    router.add_api_route(f"/papers/{{paper_id:path}}/{_kind}", _route(_kind, True),
                         methods=["POST"], response_model=SignalOut, responses=ERRORS,
                         dependencies=[Depends(_csrf)], summary=f"Set my {_kind} signal")
    router.add_api_route(f"/papers/{{paper_id:path}}/{_kind}", _route(_kind, False),
                         methods=["DELETE"], response_model=SignalOut, responses=ERRORS,
                         dependencies=[Depends(_csrf)], summary=f"Clear my {_kind} signal")


@router.get("/me/for-you", response_model=FeedOut, responses=ERRORS,
            summary="My feed: new papers ranked by my signals")
def for_you(request: Request, *,
            days: Annotated[int, Query(ge=1, le=readers.MAX_DAYS,
                                       description="The last this many listing days (1–30).")
                            ] = 1,
            limit: Annotated[int, Query(ge=1, le=100, description="1–100")] = 30) -> FeedOut:
    """Papers of the last `days` listing days, best first, each with why (session cookie)."""
    reader = readers.signed_in(request, "see your feed")
    mine = readers.signals(request.app.state.store, reader.id)
    hits = readers.feed(request, mine, days=days, limit=limit)
    since, until = readers.window(request.app.state.store, days)
    return FeedOut(items=[hit_out(h, _base(request)) for h in hits], since=since.isoformat(),
                   until=until.isoformat(), signals=mine.count)


def saved_items(request: Request, reader_id: int) -> list[tuple[Hit, str, tuple[str, ...]]]:
    """(paper, when saved, what changed since last seen) of the reader's saved papers."""
    store = request.app.state.store
    saved = store.saved_papers(reader_id)
    news = {u.paper.id: u.changes for u in watch_list(store, reader_id)}
    hits = {h.paper.id: h for h in hits_for(store, [(pid, 0.0) for pid, _ in saved])}
    return [(hits[pid], when, news.get(pid, ())) for pid, when in saved if pid in hits]


@router.get("/me/saved", response_model=SavedPage, responses=ERRORS,
            summary="My saved papers, with their updates")
def saved(request: Request) -> SavedPage:
    """Saved papers newest first; `updates` says what changed since you last looked."""
    reader = readers.signed_in(request, "see your saved papers")
    return SavedPage(items=[SavedOut(paper=hit_out(h, _base(request)), saved_at=when,
                                     updates=list(news))
                            for h, when, news in saved_items(request, reader.id)])
