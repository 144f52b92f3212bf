"""The discussion under each paper, as forms that work without script: post, reply, edit,
delete; moderators hide comments and block readers; each reader sets the name shown with
their comments and whether replies come in their digest. api_comments.py is the JSON side."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperfeed.store.social import Blocked, Comment
from paperfeed.web.auth import Reader, reader_or_signin, safe_next
from paperfeed.web.security import require_csrf
from paperfeed.web.social import MAX_ID, RowId, limit, moderator, refusals
from paperfeed.web.templating import paper_url

BODY_FIELD = 50_000  # the form's cap; the store's own (and clearer) cap is far below it


def post_comment(request: Request, reader: Reader, paper_id: str, body: str,
                 parent_id: int | None) -> Comment:
    """Post for the reader (rate-limited); the API and the form share it."""
    store = request.app.state.store
    with refusals():
        if store.is_blocked(reader.id):  # before counting: a blocked reader spends nothing
            raise Blocked("a moderator has blocked you from posting")
        limit(store, "comment", reader.id)
        comment: Comment = store.add_comment(reader.id, paper_id, body, parent_id)
    return comment


def edit_comment(request: Request, reader: Reader, comment_id: int, body: str) -> Comment:
    store = request.app.state.store
    with refusals():
        if store.is_blocked(reader.id):  # an edit could post anew what a block stopped
            raise Blocked("a moderator has blocked you from posting")
        limit(store, "comment-edit", reader.id)
        comment: Comment = store.edit_comment(reader.id, comment_id, body)
    return comment


def delete_comment(request: Request, reader: Reader, comment_id: int) -> str:
    """Delete the reader's own comment; the paper it was under."""
    store = request.app.state.store
    found = store.get_comment(comment_id)
    if found is None or found.reader_id != reader.id or found.deleted:
        raise HTTPException(404, f"Not found: no comment {comment_id} of yours.")
    limit(store, "comment-edit", reader.id)
    store.delete_comment(reader.id, comment_id)
    return str(found.paper_id)


def _to_comment(paper_id: str, comment_id: int | None = None) -> Response:
    anchor = f"#comment-{comment_id}" if comment_id is not None else "#discussion"
    return RedirectResponse(paper_url(paper_id) + anchor, status_code=303)


async def comment_form(request: Request, paper_id: str = Form(..., max_length=300),
                       body: str = Form(..., max_length=BODY_FIELD),
                       parent_id: int | None = Form(None, ge=1, le=MAX_ID),
                       _: None = Depends(require_csrf)) -> Response:
    """Post a comment or a reply, then back to it on the paper page."""
    reader = reader_or_signin(request, paper_url(paper_id) + "#discussion")
    if isinstance(reader, Response):
        return reader
    comment = await run_in_threadpool(post_comment, request, reader, paper_id, body, parent_id)
    return _to_comment(paper_id, comment.id)


async def edit_form(request: Request, comment_id: RowId,
                    body: str = Form(..., max_length=BODY_FIELD),
                    _: None = Depends(require_csrf)) -> Response:
    reader = reader_or_signin(request, "/")
    if isinstance(reader, Response):
        return reader
    comment = await run_in_threadpool(edit_comment, request, reader, comment_id, body)
    return _to_comment(comment.paper_id, comment.id)


async def delete_form(request: Request, comment_id: RowId,
                      _: None = Depends(require_csrf)) -> Response:
    reader = reader_or_signin(request, "/")
    if isinstance(reader, Response):
        return reader
    paper_id = await run_in_threadpool(delete_comment, request, reader, comment_id)
    return _to_comment(paper_id)


async def hide_form(request: Request, comment_id: RowId, hidden: Literal["0", "1"] = Form("1"),
                    _: None = Depends(require_csrf)) -> Response:
    """A moderator hides a comment (or shows it again)."""
    moderator(request)
    store = request.app.state.store
    found = await run_in_threadpool(store.get_comment, comment_id)
    if found is None:
        raise HTTPException(404, f"Not found: no comment {comment_id}.")
    await run_in_threadpool(store.hide_comment, comment_id, hidden == "1")
    return _to_comment(found.paper_id, comment_id)


async def block_form(request: Request, reader_id: int = Form(..., ge=1, le=MAX_ID),
                     blocked: Literal["0", "1"] = Form("1"),
                     next: str = Form("/", max_length=1000),
                     _: None = Depends(require_csrf)) -> Response:
    """A moderator blocks a reader from posting (or lifts the block)."""
    moderator(request)
    await run_in_threadpool(request.app.state.store.block_reader, reader_id, blocked == "1")
    return RedirectResponse(safe_next(next), status_code=303)


async def profile_form(request: Request, display_name: str = Form("", max_length=1000),
                       digest_replies: Literal["0", "1"] = Form("0"),
                       _: None = Depends(require_csrf)) -> Response:
    """The name shown with the reader's comments, and replies in their digest."""
    reader = reader_or_signin(request, "/account#profile")
    if isinstance(reader, Response):
        return reader
    store = request.app.state.store
    with refusals():
        limit(store, "comment-edit", reader.id)
        await run_in_threadpool(store.set_reader_profile, reader.id,
                                display_name.strip() or None, digest_replies == "1")
    return RedirectResponse("/account#profile", status_code=303)
