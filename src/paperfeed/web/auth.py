"""Who is reading: signed session cookies, and the e-mailed magic links that start a session
(single-use, expiring, signed); signin.py holds the pages that use them."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from paperfeed.addresses import BadAddress, normalise_address
from paperfeed.config import Settings
from paperfeed.signing import BadLink, Signed
from paperfeed.store.base import LimitStore

SESSION_COOKIE = "pf_session"
SESSION_MAX_AGE = 30 * 24 * 3600
LINK_MAX_AGE = 15 * 60
RESEND_AFTER = 60.0  # seconds before another link goes to the same address (all processes)


@dataclass(frozen=True, slots=True)
class Reader:
    """The signed-in reader of this request."""

    id: int
    email: str


def valid_email(address: str) -> str | None:
    """The normalised address when it is one mail can go to (addresses.normalise_address),
    else None."""
    try:
        return normalise_address(address)
    except BadAddress:
        return None


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
        """A signed session for reader, valid while the reader's session epoch is epoch. It
        holds the reader id and epoch only: no address travels in a cookie."""
        return self._sessions.dumps({"r": reader.id, "g": epoch})

    def reader_from(self, cookie: str | None,
                    session_of: Callable[[int], tuple[int, str] | None]) -> Reader | None:
        """The reader of a valid, unexpired session cookie that was not signed out
        (session_of: the reader's current epoch and address, Store.reader_session)."""
        if not cookie:
            return None
        try:
            data = self._sessions.loads(cookie, expired="", invalid="")
            reader_id, epoch = int(data["r"]), int(data.get("g", 0))
        except (BadLink, KeyError, TypeError, ValueError, AttributeError):
            return None
        current = session_of(reader_id)
        if current is None or current[0] != epoch:
            return None
        return Reader(reader_id, current[1])

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
                                        request.app.state.store.reader_session)
    reader: Reader | None = state.reader
    return reader


def reader_or_signin(request: Request, back: str) -> Reader | Response:
    """The signed-in reader, or a redirect to sign in that brings them back to `back`."""
    reader = current_reader(request)
    if reader is None:
        return RedirectResponse("/signin?" + urlencode({"next": safe_next(back)}),
                                status_code=303)
    return reader
