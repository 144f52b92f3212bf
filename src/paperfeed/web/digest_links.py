"""A digest item's "more like this" / "less like this" links: the GET shows one button, the
POST makes the change (mail scanners follow links; no GET changes anything).

The signed token is the capability, as for unsubscribe links: it names the subscription,
its address, the paper and the kind. The change goes to the reader with that address (one
person, one account), created if they never signed in.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from paperfeed.deliver.links import SIGNAL_PATH, Tokens, email_tag
from paperfeed.errors import NotFound
from paperfeed.models import Paper, Subscription
from paperfeed.signing import BadLink
from paperfeed.web import readers
from paperfeed.web.templating import render

LABELS = {"more": "More like this", "less": "Less like this"}


def _read(request: Request, token: str) -> tuple[Subscription, Paper, str]:
    store = request.app.state.store
    sub_id, tag, paper_id, kind = Tokens.from_settings(request.app.state.settings) \
        .read_signal(token)
    sub = store.get_subscription(sub_id)
    if sub is None or email_tag(sub.email) != tag:
        raise BadLink("this link is no longer valid (the subscription is gone)")
    paper = store.get_paper(paper_id)
    if paper is None:
        raise BadLink(f"the paper {paper_id!r} is no longer here")
    return sub, paper, kind


def _bad(request: Request, exc: BadLink) -> Response:
    return render(request, "message.html", {"title": "Link not valid", "text": str(exc),
                                            "link": None}, status=410 if exc.expired else 400)


def signal_page(request: Request, token: str) -> Response:
    """What the link would do, and the one button that does it."""
    try:
        sub, paper, kind = _read(request, token)
    except BadLink as exc:
        return _bad(request, exc)
    return render(request, "digest_signal.html", {
        "paper": paper, "kind": kind, "label": LABELS[kind], "email": sub.email,
        "action": SIGNAL_PATH + token, "done": False})


def _apply(request: Request, token: str) -> tuple[Paper, str]:
    sub, paper, kind = _read(request, token)
    store = request.app.state.store
    reader_id = store.get_or_create_reader(sub.email)
    readers.rate_limit(store, "signal", reader_id)
    try:
        store.set_signal(reader_id, paper.id, kind)
    except NotFound:
        raise BadLink(f"the paper {paper.id!r} is no longer here") from None
    return paper, kind


async def signal_submit(request: Request, token: str) -> Response:
    try:
        paper, kind = await run_in_threadpool(_apply, request, token)
    except BadLink as exc:
        return _bad(request, exc)
    return render(request, "digest_signal.html", {"paper": paper, "kind": kind,
                                                  "label": LABELS[kind], "done": True})

