"""Security headers on every response, and CSRF protection (a signed double-submit token).

Forms carry `csrf_token` = HMAC(secret, the browser's random `pf_csrf` cookie). The cookie is
set lazily, on the response of the first page that renders a form, so pages without forms
(the cached pages signed-out readers see) set no cookie and stay cacheable.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import HTTPException, Request
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "pf_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_MAX_AGE = 30 * 24 * 3600

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
# Swagger UI (/docs) loads its scripts from this instance only, and sets inline styles.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")


def cookie_header(name: str, value: str, *, max_age: int, secure: bool) -> bytes:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, Secure when served over https."""
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


class SecurityMiddleware:
    """Adds CSP and friends to every response and sets the CSRF cookie when a page made one."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp.encode()))
                nonce = state.get("csrf_new")
                if nonce:
                    headers.append((b"set-cookie", cookie_header(
                        CSRF_COOKIE, nonce, max_age=CSRF_MAX_AGE, secure=self.https)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token forms on this page carry; creates the browser's cookie when it has none."""
    state = request.state
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(state, "csrf_new", None)
    if not nonce or len(nonce) > 100:
        nonce = secrets.token_urlsafe(24)
        state.csrf_new = nonce
    state.csrf_used = True
    return _sign(request.app.state.settings.secret_key, nonce)


def csrf_field(request: Request) -> Markup:
    """The hidden input every state-changing form includes."""
    token = escape(csrf_token(request))
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')  # noqa: S704


async def require_csrf(request: Request) -> None:
    """Dependency for state-changing routes: 403 unless the form's token matches the cookie."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else ""
    expected = _sign(request.app.state.settings.secret_key, nonce) if nonce else ""
    if not expected or not hmac.compare_digest(token, expected):
        raise HTTPException(403, "This form has expired or cookies are blocked. Go back, reload "
                                 "the page and try again.")
