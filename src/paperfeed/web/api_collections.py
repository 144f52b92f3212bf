"""Collections in the JSON API: a reader's reading lists (session cookie and X-CSRF-Token
for changes, as for votes). Anyone may read a public collection; a private one, and every
change, is its owner's alone (others get 404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from paperfeed.store.social import MAX_ITEMS, Collection
from paperfeed.web import collections, readers
from paperfeed.web.api_models import ErrorOut, HitOut, hit_out
from paperfeed.web.markdown import render_markdown
from paperfeed.web.security import require_csrf
from paperfeed.web.social import RowId

router = APIRouter(prefix="/api/v1/collections", tags=["collections"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Empty, or over a cap."},
    401: {"model": ErrorOut, "description": "Not signed in."},
    403: {"model": ErrorOut, "description": "Missing X-CSRF-Token."},
    404: {"model": ErrorOut, "description": "No such collection of yours (or paper)."},
    429: {"model": ErrorOut, "description": "Too many; see Retry-After."}}
Text = Annotated[str, Field(max_length=20_000)]  # the store's caps answer with a clear 400


class CollectionIn(BaseModel):
    name: Text
    public: bool = False


class CollectionEdit(BaseModel):
    name: Text | None = None
    public: bool | None = None


class ItemIn(BaseModel):
    paper_id: Annotated[str, Field(max_length=300)]
    note: Text | None = None


class NoteIn(BaseModel):
    note: Text


class OrderIn(BaseModel):
    paper_ids: Annotated[list[Annotated[str, Field(max_length=300)]],
                         Field(max_length=MAX_ITEMS)]


class ItemOut(BaseModel):
    paper: HitOut
    position: int
    note: str  # Markdown as written
    note_html: str  # as the page shows it
    added_at: str


class CollectionOut(BaseModel):
    id: int
    name: str
    public: bool
    owner: str  # the owner's display name
    size: int
    created_at: str
    updated_at: str
    url: str
    items: list[ItemOut] | None = None  # in the owner's order (one collection only)


async def _csrf(request: Request) -> None:
    await require_csrf(request)


def _out(request: Request, c: Collection, with_items: bool = False) -> CollectionOut:
    base = str(request.app.state.settings.base_url).rstrip("/")
    items = None
    if with_items:
        items = [ItemOut(paper=hit_out(h, base), position=i.position, note=i.note,
                         note_html=str(render_markdown(i.note)) if i.note else "",
                         added_at=i.added_at)
                 for h, i in collections.entries(request, c.id)]
    return CollectionOut(id=c.id, name=c.name, public=c.public, owner=c.owner, size=c.size,
                         created_at=c.created_at, updated_at=c.updated_at,
                         url=f"{base}/collections/{c.id}", items=items)


def _own(request: Request, collection_id: int) -> Collection:
    """The signed-in reader's collection, fresh from the store."""
    reader = readers.signed_in(request, "change your collections")
    found = request.app.state.store.get_collection(collection_id)
    if found is None or found.reader_id != reader.id:
        raise HTTPException(404, "There is no such collection of yours.")
    return found  # type: ignore[no-any-return]


@router.get("", response_model=list[CollectionOut], responses=ERRORS,
            summary="My collections")
def mine(request: Request) -> list[CollectionOut]:
    reader = readers.signed_in(request, "see your collections")
    return [_out(request, c) for c in request.app.state.store.reader_collections(reader.id)]


@router.post("", response_model=CollectionOut, status_code=201, responses=ERRORS,
             dependencies=[Depends(_csrf)], summary="Make a collection")
def create(request: Request, body: CollectionIn) -> CollectionOut:
    reader = readers.signed_in(request, "make collections")
    made = collections.change(request, reader, "create_collection", body.name, body.public)
    assert isinstance(made, Collection)
    return _out(request, made, with_items=True)


@router.get("/{collection_id}", response_model=CollectionOut, responses=ERRORS,
            summary="One collection with its papers")
def read(request: Request, collection_id: RowId) -> CollectionOut:
    """A public collection, or one of yours, with its papers in order."""
    return _out(request, collections.readable(request, collection_id), with_items=True)


@router.patch("/{collection_id}", response_model=CollectionOut, responses=ERRORS,
              dependencies=[Depends(_csrf)], summary="Rename, publish or withdraw")
def edit(request: Request, collection_id: RowId, body: CollectionEdit) -> CollectionOut:
    reader = readers.signed_in(request, "change your collections")
    changed = collections.change(request, reader, "update_collection", collection_id,
                                 name=body.name, public=body.public)
    assert isinstance(changed, Collection)
    return _out(request, changed, with_items=True)


@router.delete("/{collection_id}", status_code=204, responses=ERRORS,
               dependencies=[Depends(_csrf)], summary="Delete a collection")
def delete(request: Request, collection_id: RowId) -> Response:
    reader = readers.signed_in(request, "change your collections")
    if not collections.change(request, reader, "delete_collection", collection_id):
        raise HTTPException(404, "There is no such collection of yours.")
    return Response(status_code=204)


@router.post("/{collection_id}/items", response_model=CollectionOut, responses=ERRORS,
             dependencies=[Depends(_csrf)], summary="Add a paper (last), or set its note")
def add(request: Request, collection_id: RowId, body: ItemIn) -> CollectionOut:
    reader = readers.signed_in(request, "change your collections")
    collections.change(request, reader, "add_to_collection", collection_id, body.paper_id,
                       body.note)
    return _out(request, _own(request, collection_id), with_items=True)


@router.put("/{collection_id}/order", response_model=CollectionOut, responses=ERRORS,
            dependencies=[Depends(_csrf)], summary="Set the order of the papers")
def order(request: Request, collection_id: RowId, body: OrderIn) -> CollectionOut:
    """paper_ids must list every paper of the collection once (400 otherwise)."""
    reader = readers.signed_in(request, "change your collections")
    collections.change(request, reader, "reorder_collection", collection_id, body.paper_ids)
    return _out(request, _own(request, collection_id), with_items=True)


@router.patch("/{collection_id}/items/{paper_id:path}", response_model=CollectionOut,
              responses=ERRORS, dependencies=[Depends(_csrf)], summary="Set a paper's note")
def note(request: Request, collection_id: RowId, paper_id: str, body: NoteIn) -> CollectionOut:
    reader = readers.signed_in(request, "change your collections")
    collections.change(request, reader, "set_item_note", collection_id, paper_id, body.note)
    return _out(request, _own(request, collection_id), with_items=True)


@router.delete("/{collection_id}/items/{paper_id:path}", response_model=CollectionOut,
               responses=ERRORS, dependencies=[Depends(_csrf)], summary="Take a paper out")
def remove(request: Request, collection_id: RowId, paper_id: str) -> CollectionOut:
    reader = readers.signed_in(request, "change your collections")
    collections.change(request, reader, "remove_from_collection", collection_id, paper_id)
    return _out(request, _own(request, collection_id), with_items=True)
