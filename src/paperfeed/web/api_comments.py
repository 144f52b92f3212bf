"""The discussion's JSON API: read a paper's thread; post, edit and delete your own comments
(session cookie and X-CSRF-Token, as for votes); moderators hide comments and block readers.

Bodies are Markdown as written; `html` is what the page shows (rendered on the server, safe
to insert). A hidden or deleted comment keeps its place with an empty body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from paperfeed.store.social import MAX_COMMENT_CHARS, Comment
from paperfeed.web import discussion, readers
from paperfeed.web.api_models import ErrorOut
from paperfeed.web.markdown import render_markdown
from paperfeed.web.security import require_csrf
from paperfeed.web.social import MAX_ID, RowId, moderator

router = APIRouter(prefix="/api/v1", tags=["discussion"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Empty, or over the length cap."},
    401: {"model": ErrorOut, "description": "Not signed in."},
    403: {"model": ErrorOut, "description": "Missing X-CSRF-Token, or blocked from posting."},
    404: {"model": ErrorOut, "description": "No such paper or comment (of yours)."},
    429: {"model": ErrorOut, "description": "Too many; see Retry-After."}}
# the field's own cap is loose: the store's cap answers with a clearer 400
BodyText = Annotated[str, Field(max_length=MAX_COMMENT_CHARS * 4,
                                description=f"Markdown, at most {MAX_COMMENT_CHARS} "
                                            "characters")]


class CommentIn(BaseModel):
    body: BodyText
    parent_id: int | None = Field(None, ge=1, le=MAX_ID,
                                  description="Reply to this comment (one level: a reply to "
                                              "a reply joins its thread).")


class CommentEdit(BaseModel):
    body: BodyText


class CommentOut(BaseModel):
    id: int
    paper_id: str
    author: str  # the display name; never an address
    author_id: int  # the reader's number (what a moderator blocks)
    parent_id: int | None
    body: str  # Markdown as written ("" when deleted or hidden)
    html: str  # the body rendered as the page shows it
    created_at: str
    edited_at: str | None
    deleted: bool
    hidden: bool  # hidden by a moderator
    replies: list[CommentOut] = []


class ThreadOut(BaseModel):
    paper_id: str
    count: int  # comments shown (neither deleted nor hidden)
    comments: list[CommentOut]


def comment_out(c: Comment) -> CommentOut:
    shown = "" if c.deleted or c.hidden else c.body
    return CommentOut(id=c.id, paper_id=c.paper_id, author=c.author,
                      author_id=c.reader_id, parent_id=c.parent_id,
                      body=shown, html=str(render_markdown(shown)) if shown else "",
                      created_at=c.created_at, edited_at=c.edited_at, deleted=c.deleted,
                      hidden=c.hidden, replies=[comment_out(r) for r in c.replies])


async def _csrf(request: Request) -> None:
    await require_csrf(request)


@router.get("/papers/{paper_id:path}/comments", response_model=ThreadOut, responses=ERRORS,
            summary="A paper's discussion")
def thread(request: Request, paper_id: str) -> ThreadOut:
    """Top-level comments oldest first, each with its replies."""
    store = request.app.state.store
    if store.get_paper(paper_id) is None:
        raise HTTPException(404, f"no paper {paper_id!r}")
    comments = store.paper_comments(paper_id)
    count = store.comment_counts([paper_id]).get(paper_id, 0)
    return ThreadOut(paper_id=paper_id, count=count, comments=[comment_out(c) for c in comments])


@router.post("/papers/{paper_id:path}/comments", response_model=CommentOut, status_code=201,
             responses=ERRORS, dependencies=[Depends(_csrf)], summary="Comment on a paper")
def post(request: Request, paper_id: str, comment: CommentIn) -> CommentOut:
    """Post a comment, or a reply with parent_id (signed-in readers; send X-CSRF-Token)."""
    reader = readers.signed_in(request, "comment")
    return comment_out(discussion.post_comment(request, reader, paper_id, comment.body,
                                               comment.parent_id))


@router.patch("/comments/{comment_id}", response_model=CommentOut, responses=ERRORS,
              dependencies=[Depends(_csrf)], summary="Edit my comment")
def edit(request: Request, comment_id: RowId, comment: CommentEdit) -> CommentOut:
    reader = readers.signed_in(request, "edit your comments")
    return comment_out(discussion.edit_comment(request, reader, comment_id, comment.body))


@router.delete("/comments/{comment_id}", status_code=204, responses=ERRORS,
               dependencies=[Depends(_csrf)], summary="Delete my comment")
def delete(request: Request, comment_id: RowId) -> Response:
    reader = readers.signed_in(request, "delete your comments")
    discussion.delete_comment(request, reader, comment_id)
    return Response(status_code=204)


@router.put("/comments/{comment_id}/hidden", status_code=204, responses=ERRORS,
            dependencies=[Depends(_csrf)], summary="Hide or show a comment (moderators)")
async def hide(request: Request, comment_id: RowId,
               hidden: Annotated[bool, Body(embed=True)] = True) -> Response:
    moderator(request)
    store = request.app.state.store
    if await run_in_threadpool(store.get_comment, comment_id) is None:
        raise HTTPException(404, f"no comment {comment_id}")
    await run_in_threadpool(store.hide_comment, comment_id, hidden)
    return Response(status_code=204)


@router.put("/moderation/blocks/{reader_id}", status_code=204, responses=ERRORS,
            dependencies=[Depends(_csrf)], summary="Block a reader from posting (moderators)")
async def block(request: Request, reader_id: RowId,
                blocked: Annotated[bool, Body(embed=True)] = True) -> Response:
    moderator(request)
    await run_in_threadpool(request.app.state.store.block_reader, reader_id, blocked)
    return Response(status_code=204)
