"""The reader's own data: /saved (watch list, BibTeX and JSON export), /account (everything
stored as JSON, the private feed token, deleting the account) and the private feed itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperfeed.models import Hit
from paperfeed.web import feedxml, readers
from paperfeed.web.api_me import saved_items
from paperfeed.web.auth import SESSION_COOKIE, current_reader
from paperfeed.web.bibtex import bibtex_entries
from paperfeed.web.cardview import card_extras
from paperfeed.web.feeds import MEDIA
from paperfeed.web.security import cookie_header, require_csrf
from paperfeed.web.templating import render

FEED_DAYS = 7
FEED_ENTRIES = 50


def _reader_or_signin(request: Request, path: str) -> Any:
    reader = current_reader(request)
    if reader is None:
        return RedirectResponse(f"/signin?next={path}", status_code=303)
    return reader


def saved_page(request: Request) -> Response:
    """Saved papers, those with news (new version, code, DOI, journal) marked as updates."""
    reader = _reader_or_signin(request, "/saved")
    if isinstance(reader, Response):
        return reader
    items = saved_items(request, reader.id)
    ids = [h.paper.id for h, _, _ in items]
    store = request.app.state.store
    return render(request, "saved.html", {
        "items": items, "updated": sum(1 for _, _, news in items if news),
        "voted": store.has_voted(reader.id, ids), "mine": store.signal_states(reader.id, ids),
        "comment_counts": store.comment_counts(ids)} | card_extras(store, ids))


async def saved_seen(request: Request, _: None = Depends(require_csrf)) -> Response:
    """The reader has seen the updates of their saved papers."""
    reader = _reader_or_signin(request, "/saved")
    if isinstance(reader, Response):
        return reader
    store = request.app.state.store
    ids = [pid for pid, _ in await run_in_threadpool(store.saved_papers, reader.id)]
    await run_in_threadpool(store.mark_watched, reader.id, ids)
    return RedirectResponse("/saved", status_code=303)


def saved_export(request: Request, fmt: Literal["bib", "json"]) -> Response:
    """The saved papers as a BibTeX or JSON download."""
    reader = readers.signed_in(request, "export your saved papers")
    items = saved_items(request, reader.id)
    base = str(request.app.state.settings.base_url).rstrip("/")
    if fmt == "bib":
        body = bibtex_entries([h.paper for h, _, _ in items], base)
        return _download(body, "saved.bib", "application/x-bibtex; charset=utf-8")
    data = [{"id": h.paper.id, "title": h.paper.title, "authors": list(h.paper.author_names),
             "saved_at": when, "updates": list(news), "url": f"{base}/papers/{h.paper.id}",
             "doi": h.paper.doi, "version": h.paper.version} for h, when, news in items]
    return _download(json.dumps(data, indent=1, ensure_ascii=False), "saved.json",
                     "application/json")


def _download(body: str, name: str, media: str) -> Response:
    return Response(body.encode(), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store"})


def account_page(request: Request) -> Response:
    """Who you are here, your private feed, your data and leaving."""
    reader = _reader_or_signin(request, "/account")
    if isinstance(reader, Response):
        return reader
    store = request.app.state.store
    mine = readers.signals(store, reader.id)
    token = store.feed_token(reader.id)
    base = str(request.app.state.settings.base_url).rstrip("/")
    return render(request, "account.html", {
        "signals": mine, "feed_atom": f"{base}/feeds/for-you/{token}.atom",
        "feed_rss": f"{base}/feeds/for-you/{token}.rss",
        "subscription": store.find_subscription(reader.email),
        "profile": store.reader_profile(reader.id)})


def account_export(request: Request) -> Response:
    """Everything stored about the reader, as one JSON file."""
    reader = readers.signed_in(request, "export your data")
    data = request.app.state.store.export_reader(reader.id)
    if data is None:
        raise HTTPException(401, "this account no longer exists")
    data["exported_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return _download(json.dumps(data, indent=1, ensure_ascii=False), "paperfeed-account.json",
                     "application/json")


async def new_feed_token(request: Request, _: None = Depends(require_csrf)) -> Response:
    """Revoke the private feed's address (the old one answers 404) and make a new one."""
    reader = _reader_or_signin(request, "/account")
    if isinstance(reader, Response):
        return reader
    await run_in_threadpool(request.app.state.store.revoke_feed_token, reader.id)
    return RedirectResponse("/account#feed", status_code=303)


async def delete_account(request: Request,
                         confirm: Annotated[str, Form(max_length=20)] = "",
                         _: None = Depends(require_csrf)) -> Response:
    """Delete the account with every signal, vote, follow and subscription; sign out."""
    reader = _reader_or_signin(request, "/account")
    if isinstance(reader, Response):
        return reader
    if confirm != "delete":
        raise HTTPException(422, "Tick the box to confirm that everything should be deleted.")
    await run_in_threadpool(request.app.state.store.delete_reader, reader.id)
    response = render(request, "message.html", {
        "title": "Your account is deleted", "text": "Everything stored about you here is gone: "
        "your signals, votes, followed authors and subscription.", "link": None})
    response.raw_headers.append((b"set-cookie", cookie_header(
        SESSION_COOKIE, "", max_age=0, secure=request.app.state.auth.secure)))
    request.state.reader = None
    return response


def private_feed(request: Request, token: str, fmt: Literal["atom", "rss"]) -> Response:
    """The reader's feed of the last week as Atom or RSS, by secret address (404 once revoked)."""
    store = request.app.state.store
    reader_id = store.reader_for_feed(token)
    mine = store.reader_signals(reader_id) if reader_id is not None else None
    if mine is None:
        raise HTTPException(404, "no such feed (its address may have been replaced)")
    hits: list[Hit] = readers.feed(request, mine, days=FEED_DAYS, limit=FEED_ENTRIES)
    settings = request.app.state.settings
    base = str(settings.base_url).rstrip("/")
    info = feedxml.FeedInfo(title=f"{settings.site_name}: for you",
                            subtitle="New papers ranked by your own signals",
                            self_url=f"{base}/feeds/for-you/{token}.{fmt}",
                            html_url=f"{base}/for-you", site_name=settings.site_name,
                            base_url=base)
    papers = [h.paper for h in hits]
    body = feedxml.atom(info, papers) if fmt == "atom" else feedxml.rss(info, papers)
    return Response(body, media_type=MEDIA[fmt], headers={"Cache-Control": "private, max-age=900"})

