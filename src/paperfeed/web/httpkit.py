"""HTTP plumbing for the API and feeds: conditional GET, read-only CORS, clear 422 messages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READ_ONLY_PREFIXES = ("/api/", "/feeds/")
EXPOSED = "ETag, Last-Modified, Cache-Control"
_LIMITS = ("ge", "le", "gt", "lt", "min_length", "max_length")


# -- conditional GET ------------------------------------------------------------------------

def etag_of(body: bytes) -> str:
    """A weak validator (the body may be re-encoded, e.g. gzipped, on the way)."""
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(header: str, etag: str) -> bool:
    wanted = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def conditional(request: Request, body: bytes, *, media_type: str,
                last_modified: datetime | None, max_age: int) -> Response:
    """The body with ETag, Last-Modified and Cache-Control; 304 when the client has it.

    If-None-Match wins over If-Modified-Since when both are sent (RFC 9110, 13.2.2).
    """
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    inm, ims = request.headers.get("if-none-match"), request.headers.get("if-modified-since")
    fresh = _matches(inm, etag) if inm is not None else (
        ims is not None and last_modified is not None and _not_modified_since(ims, last_modified))
    if fresh:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


# -- CORS for read-only endpoints -----------------------------------------------------------

def read_only_path(path: str) -> bool:
    return path.startswith(READ_ONLY_PREFIXES) or (
        path.startswith("/papers/") and path.endswith(".md"))


class ReadOnlyCors:
    """Any origin may GET the API, the feeds and paper Markdown; nothing else is shared.

    Preflights are answered for GET only, so a cross-origin page can never vote or subscribe.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not read_only_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope["headers"]}
        method = scope["method"]
        if method == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers, send)
        elif method in ("GET", "HEAD"):
            await self.app(scope, receive, self._with_cors(send))
        else:
            await self.app(scope, receive, send)

    @staticmethod
    async def _preflight(headers: dict[str, str], send: Send) -> None:
        allowed = headers["access-control-request-method"].upper() in ("GET", "HEAD")
        out = [(b"vary", b"Origin")]
        if allowed:
            asked = headers.get("access-control-request-headers", "")[:500]
            out += [(b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
                    (b"access-control-allow-headers", asked.encode("latin-1")),
                    (b"access-control-max-age", b"86400")]
        await send({"type": "http.response.start", "status": 204 if allowed else 403,
                    "headers": out})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    def _with_cors(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"access-control-allow-origin", b"*"),
                                      (b"access-control-expose-headers", EXPOSED.encode())]
            await send(message)
        return wrapped


# -- HEAD -----------------------------------------------------------------------------------

class HeadAsGet:
    """Answers HEAD as the GET of the same URL without its body (feed readers and link
    checkers ask with HEAD; the routes are declared for GET only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        scope["method"] = "GET"  # in place: outer middleware sees the route matched
        await self.app(scope, receive, headers_only)


# -- validation errors that say what is allowed ---------------------------------------------

def _bounds(request: Request, where: str, name: str) -> dict[str, Any]:
    """The declared limits (ge, le, max_length, ...) of one parameter of the matched route."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return {}
    fields = {"query": dependant.query_params, "path": dependant.path_params}.get(where, [])
    for field in fields:
        if name in (field.name, field.alias):
            return {key: getattr(item, key) for item in field.field_info.metadata
                    for key in _LIMITS if getattr(item, key, None) is not None}
    return {}


def _explain(request: Request, error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    if len(loc) < 2:  # about the whole body or request: the message says what is wrong
        return str(error.get("msg", "invalid"))
    name = loc[-1]
    limits = _bounds(request, loc[0], name) if len(loc) == 2 else {}
    low, high = limits.get("ge"), limits.get("le")
    if low is not None and high is not None:
        return f"{name}: must be an integer from {low} to {high}"
    if "max_length" in limits and error.get("type") == "string_too_long":
        return f"{name}: at most {limits['max_length']} characters"
    return f"{name}: {error.get('msg', 'invalid')}"


def validation_errors(items: Iterable[dict[str, Any]]) -> RequestValidationError:
    """Raise this for a parameter our code finds wrong: it is shaped like FastAPI's own."""
    return RequestValidationError([{"type": "value_error", **item} for item in items])


def bad_param(name: str, message: str, value: Any = None) -> RequestValidationError:
    return validation_errors([{"loc": ("query", name), "msg": message, "input": value}])


async def validation_handler(request: Request, exc: Exception) -> Response:
    """422 with FastAPI's usual shape, each message naming the parameter and what is allowed.

    The input is never sent back: it may be huge, and echoing it makes the error a
    reflection of whatever the client sent."""
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": [p if isinstance(p, int) else str(p)[:100] for p in e.get("loc", ())],
               "msg": _explain(request, e)[:500], "type": str(e.get("type", "value_error"))}
              for e in exc.errors()[:20]]
    return JSONResponse({"detail": detail}, status_code=422)
