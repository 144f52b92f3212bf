"""Request limits the whole app shares: a cap on request bodies (413 beyond it), checked on
the declared length and again on the bytes that actually arrive; and how a limit on mails
(deliver/limits.py) is answered: 429 with Retry-After."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperfeed.errors import TooManyMails

MAX_BODY = 64 * 1024  # the largest form or JSON body any route takes is a few kB
# Routes that take more: a reader's BibTeX library (10 MB, checked again with a clear message
# by rank/library.py; the margin is for the form's other fields and multipart framing).
LARGER = {"/import": 11 * 1024 * 1024}
NO_BODY = ("GET", "HEAD", "OPTIONS")


class BodyLimit:
    """Answers 413 to a request whose body is over max_bytes, before any route reads it.

    A body is read whole here (it is small by then) and handed on, so no route ever holds
    more than max_bytes of one request, however the client sends it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY,
                 larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = LARGER if larger is None else larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in NO_BODY:
            await self.app(scope, receive, send)
            return
        cap = self.larger.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await self._refuse(send, cap)
            return
        body = await self._read(receive, cap)
        if body is None:
            await self._refuse(send, cap)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # http.disconnect, when the client goes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, cap: int) -> bytes | None:
        """The whole body, or None when it grows over the cap (or the client left)."""
        parts, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                return None
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def _refuse(self, send: Send, cap: int) -> None:
        body = json.dumps({"detail": f"the request body is over {cap // 1024} kB"})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})


def client_address(request: Request) -> str | None:
    """The client's network address, what per-client limits count (behind a reverse proxy
    on this machine uvicorn takes it from X-Forwarded-For)."""
    return request.client.host if request.client else None


def too_many(request: Request, exc: TooManyMails) -> Response:
    """429 with Retry-After: JSON for the API, a page for browsers."""
    from paperfeed.web.templating import render

    headers = {"Retry-After": str(exc.retry_after)}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)
    text = str(exc)
    response = render(request, "message.html", {"title": "Too many mails", "text":
                      text[:1].upper() + text[1:] + "."}, status=429)
    response.headers.update(headers)
    return response
