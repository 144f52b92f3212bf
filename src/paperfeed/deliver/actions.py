"""The library calls behind `paperfeed subscribers ...`, `paperfeed digest ...` and the worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from paperfeed.config import Settings
from paperfeed.deliver.compose import Composer
from paperfeed.deliver.links import Links, Tokens
from paperfeed.deliver.mailer import Mailer
from paperfeed.deliver.render import Renderer, digest_message_id
from paperfeed.deliver.send import DigestSender, SendReport, due_now, due_that_day
from paperfeed.deliver.subscriptions import (
    SubscribeOutcome,
    make_preferences,
    normalise_email,
    subscribe,
)
from paperfeed.errors import NotFound
from paperfeed.store import Store

__all__ = ["add_subscriber", "preview_digest", "send_digests"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def add_subscriber(store: Store, settings: Settings, email: str, *,
                   topics: Sequence[str] = (), categories: Sequence[str] = (),
                   frequency: str = "daily", weekday: int | str = 0,
                   send_hour: int | None = None, timezone: str | None = None,
                   confirmed: bool = False, now: datetime | None = None) -> SubscribeOutcome:
    """Subscribe an address: active at once when confirmed, else pending plus the opt-in mail."""
    prefs = make_preferences(settings, topics=topics, categories=categories,
                             frequency=frequency, weekday=weekday, send_hour=send_hour,
                             timezone=timezone)
    if confirmed:
        return subscribe(store, settings, email, prefs, now=now or _utcnow(), confirmed=True)
    with Mailer(settings) as mailer:
        return subscribe(store, settings, email, prefs, now=now or _utcnow(), send=mailer.send)


def send_digests(store: Store, settings: Settings, *, day: date | None = None,
                 now: datetime | None = None, mailer: Mailer | None = None,
                 stop: Callable[[], bool] = lambda: False,
                 progress: Callable[[int], None] | None = None) -> SendReport:
    """Send what is due now (send hour passed in each subscriber's zone), or with day, every
    digest scheduled that day whatever the hour (the admin's catch-up). Without a mailer,
    over `smtp_connections` connections at once."""
    moment = now or _utcnow()
    pairs = due_that_day(store, day) if day is not None else due_now(store, moment)
    clock = (lambda: moment) if now is not None else _utcnow  # a given now is frozen
    sender = DigestSender(store, settings, mailer, now=moment, clock=clock)
    return sender.run(pairs, stop=stop, progress=progress)


def preview_digest(store: Store, settings: Settings, email: str, *, day: date | None = None,
                   html: bool = False, now: datetime | None = None) -> str:
    """The digest this address would get (today in its zone, or day): headers and text part,
    or the HTML part. Nothing is claimed, recorded or sent."""
    sub = store.find_subscription(normalise_email(email))
    if sub is None:
        raise NotFound(f"no subscription for {email.strip()!r}")
    moment = now or _utcnow()
    day = day or moment.astimezone(ZoneInfo(sub.prefs.timezone)).date()
    digest = Composer(store, settings, now=moment).compose(sub, day)
    renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
    message = renderer.digest(digest, message_id=digest_message_id(settings, sub.id, day),
                              now=moment)
    part = message.get_body(("html",) if html else ("plain",))
    body = part.get_content() if part is not None else ""
    if digest.count == 0 and not settings.send_empty_digests:
        return "(nothing would be sent: no new paper for this subscriber)\n"
    if html:
        return str(body)
    headers = "".join(f"{k}: {v}\n" for k, v in message.items()
                      if k.lower() not in ("content-type", "mime-version"))
    return f"{headers}\n{body}"
