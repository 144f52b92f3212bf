"""The submit page: a signed-in reader pastes an arXiv id or link; the paper goes on today's
daily listing ("submitted by"), fetched from arXiv first when the instance lacks it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperfeed.index.derive import derive_cards
from paperfeed.ingest.submit import MAX_REF, SubmitRefused, submit_paper, submitter_name
from paperfeed.web.auth import current_reader
from paperfeed.web.security import require_csrf
from paperfeed.web.templating import dom_id, render

# HTTP status of each refusal: what the reader sent, or what happened upstream.
STATUS = {"malformed": 422, "not_found": 404, "unreachable": 502, "already_submitted": 409,
          "over_limit": 429}


def submit_form(request: Request) -> Response:
    """The form (signed-out readers are sent to sign in first)."""
    if current_reader(request) is None:
        return RedirectResponse("/signin?" + urlencode({"next": "/submit"}), status_code=303)
    return render(request, "submit.html", {"ref": "", "error": None})


async def submit_post(request: Request, ref: str = Form("", max_length=MAX_REF * 4),
                      _: None = Depends(require_csrf)) -> Response:
    """Submit the paper; on success, today's listing at the paper, else the form and why."""
    reader = current_reader(request)
    if reader is None:
        return RedirectResponse("/signin?" + urlencode({"next": "/submit"}), status_code=303)
    store, settings = request.app.state.store, request.app.state.settings

    def work() -> str:
        done = submit_paper(store, settings, ref, reader_id=reader.id,
                            display_name=submitter_name(store, reader.id),
                            now=datetime.now(UTC))
        derive_cards(store, ids=[done.paper.id])  # its card and author links at once
        return done.paper.id

    try:
        paper_id = await run_in_threadpool(work)
    except SubmitRefused as exc:
        response = render(request, "submit.html", {"ref": ref[:MAX_REF], "error": str(exc)},
                          status=STATUS.get(exc.reason, 400))
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return response
    today = datetime.now(UTC).date().isoformat()
    return RedirectResponse(f"/daily/{today}?sort=date#paper-{dom_id(paper_id)}",
                            status_code=303)
