"""Sign-in by e-mailed magic link (single-use, expiring, signed), session cookies, sign-out."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperfeed.config import Settings
from paperfeed.errors import PaperfeedError
from paperfeed.signing import BadLink, Signed
from paperfeed.store.base import LimitStore
from paperfeed.web.security import cookie_header, require_csrf

SESSION_COOKIE = "pf_session"
SESSION_MAX_AGE = 30 * 24 * 3600
LINK_MAX_AGE = 15 * 60
RESEND_AFTER = 60.0  # seconds before another link goes to the same address (all processes)
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True, slots=True)
class Reader:
    """The signed-in reader of this request."""

    id: int
    email: str


def valid_email(address: str) -> str | None:
    """The trimmed address when it looks like one (no CR/LF or header syntax), else None."""
    address = address.strip()
    return address if len(address) <= 254 and _EMAIL.match(address) else None


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in; anything else becomes the home page."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if len(target) > 1000 or any(ord(c) < 32 or c == "\\" for c in target):
        return "/"
    return target


class Auth:
    """Signs and checks session cookies and sign-in links with the instance's secret key."""

    def __init__(self, settings: Settings, limits: LimitStore) -> None:
        self.settings = settings
        self.secure = settings.base_url.startswith("https://")
        self._sessions = Signed(settings.secret_key, "session", SESSION_MAX_AGE)
        self._links = Signed(settings.secret_key, "signin", LINK_MAX_AGE)
        self._limits = limits

    def session_value(self, reader: Reader, epoch: int) -> str:
        """A signed session for reader, valid while the reader's session epoch is epoch."""
        return self._sessions.dumps({"r": reader.id, "e": reader.email, "g": epoch})

    def reader_from(self, cookie: str | None,
                    epoch_of: Callable[[int], int | None]) -> Reader | None:
        """The reader of a valid, unexpired session cookie that was not signed out
        (epoch_of: the reader's current session epoch, Store.session_epoch)."""
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, expired="", invalid="")
            reader, epoch = Reader(int(data["r"]), str(data["e"])), int(data.get("g", 0))
        except (BadLink, KeyError, TypeError, ValueError, AttributeError):
            return None
        return reader if epoch_of(reader.id) == epoch else None

    def link_token(self, email: str, next_path: str) -> str:
        return self._links.dumps({"e": email, "n": secrets.token_urlsafe(16), "x": next_path})

    def read_link(self, token: str) -> tuple[str, str, str]:
        """(e-mail, nonce, next path) of a valid, unexpired link token; BadLink otherwise."""
        invalid = "This sign-in link is not valid."
        data = self._links.loads(
            token, expired="This sign-in link has expired (links work for 15 minutes).",
            invalid=invalid)
        try:
            return str(data["e"]), str(data["n"]), safe_next(str(data["x"]))
        except (KeyError, TypeError):
            raise BadLink(invalid) from None

    def may_send(self, email: str) -> bool:
        """False when a link went to this address less than RESEND_AFTER seconds ago, from
        any process (the count is in the store)."""
        return self._limits.hit_limit(_link_key(email), limit=1,
                                      window=timedelta(seconds=RESEND_AFTER),
                                      now=datetime.now(UTC)) is None

    def forget(self, email: str) -> None:
        """Allow another link to this address right away (the last one was not sent)."""
        self._limits.forget_hits(_link_key(email))

    def link_mail(self, email: str, next_path: str) -> EmailMessage:
        s = self.settings
        token = self.link_token(email, next_path)
        link = f"{s.base_url.rstrip('/')}/signin/verify?{urlencode({'token': token})}"
        message = EmailMessage()
        message["Subject"] = f"Sign in to {s.site_name}"
        message["From"] = s.mail_from
        message["To"] = email
        message.set_content(
            f"Open this link to sign in to {s.site_name}:\n\n{link}\n\n"
            "It works once, for 15 minutes. If you did not ask to sign in, ignore this mail.\n")
        return message


def _link_key(email: str) -> str:
    return "signin:" + email.lower()


def current_reader(request: Request) -> Reader | None:
    """The signed-in reader, from the session cookie (checked once per request)."""
    state = request.state
    if not hasattr(state, "reader"):
        auth: Auth = request.app.state.auth
        state.reader = auth.reader_from(request.cookies.get(SESSION_COOKIE),
                                        request.app.state.store.session_epoch)
    reader: Reader | None = state.reader
    return reader


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    from paperfeed.web.pages import render

    return render(request, template, context, status=status)


def signin_page(request: Request, next: str = Query("/", max_length=1000)) -> Response:
    """The form that asks for an e-mail address."""
    return _page(request, "signin.html", {"next": safe_next(next), "email": "", "error": None})


def _send(settings: Settings, message: EmailMessage) -> None:
    from paperfeed.deliver.mailer import Mailer

    with Mailer(settings) as mailer:
        mailer.send(message)


async def signin_submit(request: Request, email: str = Form("", max_length=300),
                        next: str = Form("/", max_length=1000),
                        _: None = Depends(require_csrf)) -> Response:
    """Mail a sign-in link (at most one a minute per address) and say so."""
    auth: Auth = request.app.state.auth
    address, target = valid_email(email), safe_next(next)
    if address is None:
        return _page(request, "signin.html", {"next": target, "email": email,
                     "error": "Please enter a valid e-mail address."}, status=422)
    if await run_in_threadpool(auth.may_send, address):
        try:
            await run_in_threadpool(_send, auth.settings, auth.link_mail(address, target))
        except PaperfeedError:
            await run_in_threadpool(auth.forget, address)
            return _page(request, "message.html", {"title": "Mail could not be sent", "text":
                         "We could not send the sign-in mail just now. Please try again in a "
                         "few minutes."}, status=503)
    return _page(request, "message.html", {"title": "Check your inbox", "text":
                 f"We sent a sign-in link to {address}. It works once, for 15 minutes."})


def verify_page(request: Request, token: str = Query("", max_length=2000)) -> Response:
    """The page a magic link opens: one button signs in (mail scanners do not press it)."""
    auth: Auth = request.app.state.auth
    try:
        email, _, _ = auth.read_link(token)
    except BadLink as exc:
        return _bad_link(request, str(exc))
    return _page(request, "signin_confirm.html", {"token": token, "email": email})


def _bad_link(request: Request, text: str) -> Response:
    return _page(request, "message.html", {"title": "Sign-in link not valid", "text": text,
                                           "link": ("/signin", "Get a new link")}, status=400)


def verify_submit(request: Request, token: str = Form("", max_length=2000),
                  _: None = Depends(require_csrf)) -> Response:
    """Spend the link's nonce, start the session, go back to where the reader was."""
    auth: Auth = request.app.state.auth
    store = request.app.state.store
    try:
        email, nonce, target = auth.read_link(token)
    except BadLink as exc:
        return _bad_link(request, str(exc))
    if not store.spend_token(nonce):
        return _bad_link(request, "This sign-in link was already used; links work once.")
    # A nonce older than any link's lifetime guards nothing: the link's signature has expired.
    store.forget_spent_tokens(datetime.now(UTC) - timedelta(seconds=2 * LINK_MAX_AGE))
    reader = Reader(store.get_or_create_reader(email), email.strip().lower())
    session = auth.session_value(reader, store.session_epoch(reader.id) or 0)
    response = RedirectResponse(target, status_code=303)
    response.raw_headers.append((b"set-cookie", cookie_header(
        SESSION_COOKIE, session, max_age=SESSION_MAX_AGE, secure=auth.secure)))
    return response


def signout(request: Request, _: None = Depends(require_csrf)) -> Response:
    """End the reader's sessions, on every device (a copied cookie stops working too), and
    return home."""
    auth: Auth = request.app.state.auth
    reader = current_reader(request)
    if reader is not None:
        request.app.state.store.end_sessions(reader.id)
    response = RedirectResponse("/", status_code=303)
    response.raw_headers.append((b"set-cookie", cookie_header(
        SESSION_COOKIE, "", max_age=0, secure=auth.secure)))
    return response
