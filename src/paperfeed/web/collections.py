"""Collections on the page: a reader's named reading lists, made from any card or paper page
("add to collection"), each paper with a note and a place the owner sets; a public one has
its own page, Atom/RSS feeds and a BibTeX export. Forms work without script; every change is
the owner's alone (others get 404, as if there were nothing). api_collections.py is the JSON
side and shares the functions here."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperfeed.models import Hit
from paperfeed.rank.hits import hits_for
from paperfeed.store.social import Collection, CollectionItem
from paperfeed.web import feedxml
from paperfeed.web.auth import Reader, current_reader, reader_or_signin, safe_next
from paperfeed.web.bibtex import bibtex_entries
from paperfeed.web.httpkit import conditional
from paperfeed.web.security import require_csrf
from paperfeed.web.social import RowId, limit, refusals
from paperfeed.web.templating import dom_id, render

FIELD = 20_000  # a form field's cap; the store's caps (and clearer words) come first
FEED_MEDIA = {"atom": "application/atom+xml; charset=utf-8",
              "rss": "application/rss+xml; charset=utf-8"}


def readable(request: Request, collection_id: int) -> Collection:
    """The collection if this request may see it (public, or the owner's); 404 otherwise."""
    found: Collection | None = request.app.state.store.get_collection(collection_id)
    reader = current_reader(request)
    if found is None or not (found.public or (reader is not None and
                                              reader.id == found.reader_id)):
        raise HTTPException(404, "There is no such collection (or it is private).")
    return found


def entries(request: Request, collection_id: int) -> list[tuple[Hit, CollectionItem]]:
    """The collection's papers in the owner's order, each with its item (note, place)."""
    store = request.app.state.store
    items: list[CollectionItem] = store.collection_items(collection_id)
    hits = {h.paper.id: h for h in hits_for(store, [(i.paper_id, 0.0) for i in items])}
    return [(hits[i.paper_id], i) for i in items if i.paper_id in hits]


def change(request: Request, reader: Reader, work: str, *args: object,
           **kwargs: object) -> object:
    """Run one store change for the reader: rate-limited, refusals as clear HTTP errors."""
    store = request.app.state.store
    with refusals():
        limit(store, "collection", reader.id)
        return getattr(store, work)(reader.id, *args, **kwargs)


def move(request: Request, reader: Reader, collection_id: int, paper_id: str,
         steps: int) -> None:
    """Move one paper up (steps < 0) or down within the owner's order."""
    order = [i.paper_id for i in request.app.state.store.collection_items(collection_id)]
    if paper_id not in order:
        raise HTTPException(404, f"Not found: no paper {paper_id!r} in this collection.")
    at = order.index(paper_id)
    order.insert(max(0, min(len(order) - 1, at + steps)), order.pop(at))
    change(request, reader, "reorder_collection", collection_id, order)


# -- pages -------------------------------------------------------------------------------


def mine_page(request: Request) -> Response:
    """The reader's collections, and a form for a new one."""
    reader = reader_or_signin(request, "/collections")
    if isinstance(reader, Response):
        return reader
    return render(request, "collections.html", {
        "collections": request.app.state.store.reader_collections(reader.id)})


def collection_page(request: Request, collection_id: RowId) -> Response:
    """One collection: its papers in order with notes; the owner's controls."""
    found = readable(request, collection_id)
    reader = current_reader(request)
    owner = reader is not None and reader.id == found.reader_id
    store = request.app.state.store
    items = entries(request, collection_id)
    voted = store.has_voted(reader.id, [h.paper.id for h, _ in items]) if reader else set()
    return render(request, "collection.html", {"collection": found, "items": items,
                                               "owner": owner, "voted": voted})


def collection_export(request: Request, collection_id: RowId,
                      fmt: Literal["atom", "rss", "bib"]) -> Response:
    """A public collection as a feed (Atom or RSS) or as BibTeX, in the owner's order."""
    found = readable(request, collection_id)
    if not found.public:
        raise HTTPException(404, "Only public collections have feeds and exports.")
    settings = request.app.state.settings
    base = str(settings.base_url).rstrip("/")
    papers = [h.paper for h, _ in entries(request, collection_id)]
    changed = datetime.fromisoformat(found.updated_at)
    if fmt == "bib":
        body = bibtex_entries(papers, base).encode()
        media = "application/x-bibtex; charset=utf-8"
    else:
        info = feedxml.FeedInfo(
            title=f"{settings.site_name}: {found.name}",
            subtitle=f"A collection by {found.owner}",
            self_url=f"{base}/collections/{found.id}.{fmt}",
            html_url=f"{base}/collections/{found.id}", site_name=settings.site_name,
            base_url=base)
        body = feedxml.atom(info, papers) if fmt == "atom" else feedxml.rss(info, papers)
        media = FEED_MEDIA[fmt]
    return conditional(request, body, media_type=media, last_modified=changed, max_age=300)


# -- forms (each answers with a redirect back) --------------------------------------------

def _back(collection_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/collections/{collection_id}{anchor}", status_code=303)


async def create_form(request: Request, name: str = Form(..., max_length=FIELD),
                      public: Literal["0", "1"] = Form("0"),
                      _: None = Depends(require_csrf)) -> Response:
    reader = reader_or_signin(request, "/collections")
    if isinstance(reader, Response):
        return reader
    made = await run_in_threadpool(change, request, reader, "create_collection", name,
                                   public == "1")
    assert isinstance(made, Collection)
    return _back(made.id)


async def add_form(request: Request, *, paper_id: str = Form(..., max_length=300),
                   collection_id: str = Form("", max_length=18),
                   new_name: str = Form("", max_length=FIELD),
                   note: str = Form("", max_length=FIELD),
                   next: str = Form("/", max_length=1000),
                   _: None = Depends(require_csrf)) -> Response:
    """Add a paper to one of the reader's collections, or to a new one named new_name."""
    target = safe_next(next)
    reader = reader_or_signin(request, target)
    if isinstance(reader, Response):
        return reader
    if new_name.strip():
        made = await run_in_threadpool(change, request, reader, "create_collection", new_name)
        assert isinstance(made, Collection)
        chosen = made.id
    elif collection_id.isdigit():
        chosen = int(collection_id)
    else:
        raise HTTPException(400, "Choose a collection, or name a new one.")
    await run_in_threadpool(change, request, reader, "add_to_collection", chosen, paper_id,
                            note if note.strip() else None)
    return RedirectResponse(f"{target}#paper-{dom_id(paper_id)}", status_code=303)


async def edit_form(request: Request, collection_id: RowId,
                    name: str = Form("", max_length=FIELD),
                    public: Literal["", "0", "1"] = Form(""),
                    _: None = Depends(require_csrf)) -> Response:
    """Rename and/or publish or withdraw (fields left empty stay as they are)."""
    reader = reader_or_signin(request, f"/collections/{collection_id}")
    if isinstance(reader, Response):
        return reader
    await run_in_threadpool(change, request, reader, "update_collection", collection_id,
                            name=name if name.strip() else None,
                            public=None if public == "" else public == "1")
    return _back(collection_id)


async def delete_form(request: Request, collection_id: RowId,
                      _: None = Depends(require_csrf)) -> Response:
    reader = reader_or_signin(request, "/collections")
    if isinstance(reader, Response):
        return reader
    gone = await run_in_threadpool(change, request, reader, "delete_collection", collection_id)
    if not gone:
        raise HTTPException(404, "There is no such collection of yours.")
    return RedirectResponse("/collections", status_code=303)


async def item_form(request: Request, collection_id: RowId,
                    paper_id: str = Form(..., max_length=300),
                    action: Literal["note", "up", "down", "remove"] = Form(...),
                    note: str = Form("", max_length=FIELD),
                    _: None = Depends(require_csrf)) -> Response:
    """One paper of the collection: set its note, move it up or down, or take it out."""
    reader = reader_or_signin(request, f"/collections/{collection_id}")
    if isinstance(reader, Response):
        return reader
    if action == "note":
        await run_in_threadpool(change, request, reader, "set_item_note", collection_id,
                                paper_id, note)
    elif action == "remove":
        await run_in_threadpool(change, request, reader, "remove_from_collection",
                                collection_id, paper_id)
        return _back(collection_id)
    else:
        await run_in_threadpool(move, request, reader, collection_id, paper_id,
                                -1 if action == "up" else 1)
    return _back(collection_id, f"#paper-{dom_id(paper_id)}")
