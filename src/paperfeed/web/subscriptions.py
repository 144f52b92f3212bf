"""Subscription pages: the form, the JSON API, confirm, manage and one-click unsubscribe (RFC 8058).

Every handler calls one function of paperfeed.deliver.subscriptions. Links carry signed,
expiring tokens: the token is the capability, so those routes need no session or CSRF
cookie (a mail client's one-click POST has neither); the plain form carries a CSRF token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from paperfeed.config import Settings
from paperfeed.deliver.links import CONFIRM_PATH, MANAGE_PATH, UNSUBSCRIBE_PATH, Links, Tokens
from paperfeed.deliver.mailer import Mailer, MailError
from paperfeed.deliver.subscriptions import (
    WEEKDAYS,
    InvalidSubscription,
    confirm,
    from_link,
    make_preferences,
    set_paused,
    subscribe,
    unsubscribe,
    update,
)
from paperfeed.errors import TooManyMails
from paperfeed.models import Preferences, Subscription
from paperfeed.signing import BadLink
from paperfeed.web.httpkit import validation_errors
from paperfeed.web.limits import client_address, too_many
from paperfeed.web.security import require_csrf
from paperfeed.web.templating import render


class PrefsForm(BaseModel):
    """The preference fields of the subscribe and manage forms, as typed."""

    topics: str = Field(default="", max_length=4000)  # one per line
    categories: str = Field(default="", max_length=1000)  # separated by spaces or commas
    frequency: str = Field(default="daily", max_length=20)
    weekday: str = Field(default="0", max_length=20)
    send_hour: str = Field(default="", max_length=5)
    timezone: str = Field(default="", max_length=100)


class SubscribeForm(PrefsForm):
    email: str = Field(default="", max_length=300)


MANAGE_ACTIONS = ("save", "pause", "resume", "leave")


class ManageForm(PrefsForm):
    action: str = Field(default="save", max_length=20)  # one of MANAGE_ACTIONS


class SubscriptionRequest(BaseModel):
    """POST /api/v1/subscriptions: who, what about, and when (defaults: the instance's)."""

    email: str = Field(max_length=254)
    topics: list[str] = Field(default_factory=list, max_length=20)
    categories: list[str] = Field(default_factory=list, max_length=30)
    frequency: str = "daily"
    weekday: int | str = 0
    send_hour: int | None = None
    timezone: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def _tokens(request: Request) -> Tokens:
    return Tokens.from_settings(request.app.state.settings)


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    settings: Settings = request.app.state.settings
    source = context.pop("form", None)
    base = {"zones": _zones(), "fields": _fields(settings, source), "weekdays": WEEKDAYS}
    return render(request, template, base | context, status=status)


def _message(request: Request, title: str, text: str, status: int = 200,
             link: tuple[str, str] | None = None) -> Response:
    return render(request, "message.html", {"title": title, "text": text, "link": link},
                  status=status)


def _bad_link(request: Request, exc: BadLink) -> Response:
    return _message(request, "Link not valid", str(exc), 410 if exc.expired else 400,
                    ("/subscribe", "Subscribe again"))


def _form_prefs(settings: Settings, form: PrefsForm) -> Preferences:
    hour = form.send_hour.strip()
    return make_preferences(settings, topics=form.topics.splitlines(),
                            categories=[form.categories], frequency=form.frequency or "daily",
                            weekday=form.weekday or 0,
                            send_hour=int(hour) if hour.isdigit() else None,
                            timezone=form.timezone.strip() or None)


def _kept_prefs(settings: Settings, form: PrefsForm, current: Preferences) -> Preferences:
    """The preferences a manage form asks for: the fields it sent, the stored values for
    those it left out (a form that sends only topics changes only topics)."""
    stored = _fields(settings, current)
    sent = {name: getattr(form, name) if name in form.model_fields_set else stored[name]
            for name in PrefsForm.model_fields}
    return _form_prefs(settings, PrefsForm(**sent))


def _fields(settings: Settings, source: PrefsForm | Preferences | None) -> dict[str, Any]:
    """The values the preference fields show: typed ones, stored ones, or the defaults."""
    if isinstance(source, Preferences):
        return {"topics": "\n".join(source.topics), "categories": " ".join(source.categories),
                "frequency": source.frequency, "weekday": str(source.weekday),
                "send_hour": str(source.send_hour), "timezone": source.timezone}
    if source is None:
        source = PrefsForm(send_hour=str(settings.digest_send_hour),
                           timezone=settings.digest_timezone)
    return source.model_dump()


def _send_with(settings: Settings, store: Any, email: str, prefs: Preferences,
               client: str | None) -> None:
    with Mailer(settings) as mailer:
        subscribe(store, settings, email, prefs, now=_now(), send=mailer.send, client=client)


def _signed_in_as(request: Request, email: str) -> bool:
    """Whether the signed-in reader gave their own address: sign-in proved it is theirs, so
    no confirmation mail is needed (one person, one account)."""
    from paperfeed.web.auth import current_reader

    reader = current_reader(request)
    return reader is not None and email.strip().lower() == reader.email.strip().lower()


def _subscribe(request: Request, email: str, prefs: Preferences) -> bool:
    """Subscribe; True when it took effect at once (the reader's own address)."""
    settings: Settings = request.app.state.settings
    store = request.app.state.store
    if _signed_in_as(request, email):
        subscribe(store, settings, email, prefs, now=_now(), confirmed=True)
        return True
    _send_with(settings, store, email, prefs, client_address(request))
    return False


# -- subscribing ---------------------------------------------------------------------------

def subscribe_form(request: Request, email: str = "") -> Response:
    """The subscription form (the banner's address filled in)."""
    return _page(request, "subscribe.html", {"email": email[:254], "error": None,
                                              "form": None})


async def subscribe_submit(request: Request, form: Annotated[SubscribeForm, Form()],
                           _: None = Depends(require_csrf)) -> Response:
    """Record a pending subscription and mail the confirmation link."""
    settings: Settings = request.app.state.settings
    try:
        prefs = _form_prefs(settings, form)
        if await run_in_threadpool(_subscribe, request, form.email, prefs):
            return _message(request, "You are subscribed", "Your digest starts with the next "
                            "send: you are signed in with this address, so there is nothing "
                            "to confirm. Your signals shape its “for you” section.",
                            link=("/account", "Your account"))
    except TooManyMails as exc:
        return too_many(request, exc)
    except InvalidSubscription as exc:
        return _page(request, "subscribe.html", {"email": form.email[:254], "error": str(exc),
                                                  "form": form}, 422)
    except MailError:
        return _message(request, "Mail could not be sent", "We could not send the "
                        "confirmation mail just now. Please try again in a few minutes.", 503)
    return _page(request, "subscribe_sent.html", {"email": form.email.strip()})


def subscribe_api(request: Request, body: SubscriptionRequest) -> Response:
    """JSON: subscribe an address; 202 and a confirmation mail (the same reply whether or
    not the address was known, so the API tells nobody who subscribes)."""
    settings: Settings = request.app.state.settings
    try:
        prefs = make_preferences(settings, topics=body.topics, categories=body.categories,
                                 frequency=body.frequency, weekday=body.weekday,
                                 send_hour=body.send_hour, timezone=body.timezone)
        if _subscribe(request, body.email, prefs):
            return JSONResponse({"status": "active", "detail": "subscribed (you are signed "
                                 "in with this address)"}, status_code=202)
    except TooManyMails as exc:
        return too_many(request, exc)
    except InvalidSubscription as exc:  # 422 in FastAPI's shape, which API clients parse
        raise validation_errors([{"loc": ("body",), "msg": str(exc), "input": None}]) from None
    except MailError:
        return JSONResponse({"detail": "the confirmation mail could not be sent; try again "
                             "later"}, status_code=503)
    return JSONResponse({"status": "pending", "detail": "check your inbox for a "
                         "confirmation link"}, status_code=202)


# -- signed links ---------------------------------------------------------------------------

def confirm_page(request: Request, token: str) -> Response:
    """A button that confirms (mail scanners follow links but do not press buttons)."""
    try:
        sub = from_link(request.app.state.store, _tokens(request), "confirm", token)
    except BadLink as exc:
        return _bad_link(request, exc)
    return _page(request, "subscribe_confirm.html", {"sub": sub, "done": False,
                                                     "action": CONFIRM_PATH + token})


def confirm_submit(request: Request, token: str) -> Response:
    tokens = _tokens(request)
    try:
        sub = confirm(request.app.state.store, tokens, token, now=_now())
    except BadLink as exc:
        return _bad_link(request, exc)
    manage = Links(request.app.state.settings, tokens).manage(sub)
    return _page(request, "subscribe_confirm.html", {"sub": sub, "done": True,
                                                     "manage_url": manage})


def manage_page(request: Request, token: str) -> Response:
    """The subscriber's settings, reached by the signed link in every mail."""
    try:
        sub = from_link(request.app.state.store, _tokens(request), "manage", token)
    except BadLink as exc:
        return _bad_link(request, exc)
    return _manage(request, sub, token)


def _manage(request: Request, sub: Subscription, token: str, *, notice: str | None = None,
            error: str | None = None, status: int = 200) -> Response:
    return _page(request, "manage.html", {"sub": sub, "form": sub.prefs, "notice": notice,
                                          "error": error, "action": MANAGE_PATH + token},
                 status)


def manage_submit(request: Request, token: str,
                  form: Annotated[ManageForm, Form()]) -> Response:
    """Save preferences, pause, resume or leave; anything else is refused."""
    store, tokens = request.app.state.store, _tokens(request)
    if form.action not in MANAGE_ACTIONS:
        return _message(request, "Unknown action", f"Choose one of {', '.join(MANAGE_ACTIONS)}.",
                        400)
    try:
        if form.action == "leave":
            unsubscribe(store, tokens, token, now=_now(), purpose="manage")
            return _message(request, "You have left", "No more digests will be sent to "
                            "this address.", link=("/subscribe", "Subscribe again"))
        if form.action in ("pause", "resume"):
            sub = set_paused(store, tokens, token, form.action == "pause", now=_now())
            return _manage(request, sub, token, notice=f"Digests {form.action}d.")
        current = from_link(store, tokens, "manage", token)
        prefs = _kept_prefs(request.app.state.settings, form, current.prefs)
        return _manage(request, update(store, tokens, token, prefs), token,
                       notice="Your preferences are saved.")
    except BadLink as exc:
        return _bad_link(request, exc)
    except InvalidSubscription as exc:
        sub = from_link(store, tokens, "manage", token)
        return _manage(request, sub, token, error=str(exc), status=422)


def unsubscribe_page(request: Request, token: str) -> Response:
    """The footer link's landing page: one button (a GET never unsubscribes, RFC 8058)."""
    try:
        sub = from_link(request.app.state.store, _tokens(request), "unsubscribe", token)
    except BadLink as exc:
        return _bad_link(request, exc)
    return _page(request, "manage_unsubscribe.html", {"sub": sub,
                                                      "action": UNSUBSCRIBE_PATH + token})


def unsubscribe_submit(request: Request, token: str) -> Response:
    """One-click unsubscribe: the mail client's `List-Unsubscribe=One-Click` POST, or the
    landing page's button. No cookie or CSRF token needed: the signed link is the proof."""
    try:
        unsubscribe(request.app.state.store, _tokens(request), token, now=_now())
    except BadLink as exc:
        return _bad_link(request, exc)
    return _message(request, "You are unsubscribed", "No more digests will be sent to this "
                    "address.", link=("/subscribe", "Subscribe again"))
