"""The sign-in pages: ask for an address, mail a magic link, spend it, sign out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from fastapi import Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from paperfeed.config import Settings
from paperfeed.deliver.limits import count_unconfirmed_mail
from paperfeed.deliver.mailer import Mailer
from paperfeed.errors import PaperfeedError, TooManyMails
from paperfeed.signing import BadLink
from paperfeed.web.auth import (
    LINK_MAX_AGE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Auth,
    Reader,
    current_reader,
    safe_next,
    valid_email,
)
from paperfeed.web.limits import client_address, too_many
from paperfeed.web.security import cookie_header, require_csrf
from paperfeed.web.templating import render


def signin_page(request: Request, next: str = Query("/", max_length=1000)) -> Response:
    """The form that asks for an e-mail address."""
    return render(request, "signin.html", {"next": safe_next(next), "email": "", "error": None})


def _send(settings: Settings, message: EmailMessage) -> None:
    with Mailer(settings) as mailer:
        mailer.send(message)


async def signin_submit(request: Request, email: str = Form("", max_length=300),
                        next: str = Form("/", max_length=1000),
                        _: None = Depends(require_csrf)) -> Response:
    """Mail a sign-in link (at most one a minute per address) and say so."""
    auth: Auth = request.app.state.auth
    address, target = valid_email(email), safe_next(next)
    if address is None:
        return render(request, "signin.html", {"next": target, "email": email,
                      "error": "Please enter a valid e-mail address."}, status=422)
    if await run_in_threadpool(auth.may_send, address):
        try:
            await run_in_threadpool(count_unconfirmed_mail, request.app.state.store,
                                    auth.settings, address, client=client_address(request),
                                    now=datetime.now(UTC))
        except TooManyMails as exc:
            await run_in_threadpool(auth.forget, address)
            return too_many(request, exc)
        try:
            await run_in_threadpool(_send, auth.settings, auth.link_mail(address, target))
        except PaperfeedError:
            await run_in_threadpool(auth.forget, address)
            return render(request, "message.html", {"title": "Mail could not be sent", "text":
                          "We could not send the sign-in mail just now. Please try again in a "
                          "few minutes."}, status=503)
    return render(request, "message.html", {"title": "Check your inbox", "text":
                  f"We sent a sign-in link to {address}. It works once, for 15 minutes."})


def verify_page(request: Request, token: str = Query("", max_length=2000)) -> Response:
    """The page a magic link opens: one button signs in (mail scanners do not press it)."""
    auth: Auth = request.app.state.auth
    try:
        email, _, _ = auth.read_link(token)
    except BadLink as exc:
        return _bad_link(request, str(exc))
    return render(request, "signin_confirm.html", {"token": token, "email": email})


def _bad_link(request: Request, text: str) -> Response:
    return render(request, "message.html", {"title": "Sign-in link not valid", "text": text,
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
