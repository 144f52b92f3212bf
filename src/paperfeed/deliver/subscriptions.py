"""Subscribing with double opt-in, and what signed links may do: confirm, manage, unsubscribe."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paperfeed.addresses import BadAddress, normalise_address
from paperfeed.config import Settings
from paperfeed.deliver.limits import count_unconfirmed_mail
from paperfeed.deliver.links import Links, Tokens, email_tag
from paperfeed.deliver.render import Renderer, header_text
from paperfeed.errors import NotFound, PaperfeedError, TooManyMails
from paperfeed.models import Preferences, Subscription
from paperfeed.signing import BadLink
from paperfeed.store import Store

CONFIRM_INTERVAL = timedelta(hours=1)  # at most one confirmation mail per address per hour
MAX_TOPICS, MAX_TOPIC_CHARS, MAX_CATEGORIES = 20, 200, 30
_CATEGORY = re.compile(r"[A-Za-z-]+(\.[A-Za-z-]+)?")
FREQUENCIES = ("daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Send = Callable[[EmailMessage], str]

__all__ = ["InvalidSubscription", "SubscribeOutcome", "confirm", "from_link",
           "make_preferences", "normalise_email", "remove", "set_paused", "subscribe",
           "unsubscribe", "update"]


class InvalidSubscription(PaperfeedError):
    """An address or preference that cannot be accepted; the message says which and why."""


@dataclass(frozen=True)
class SubscribeOutcome:
    """What subscribe() did: the subscription, whether it is new, whether a mail went out."""

    subscription: Subscription
    created: bool
    mailed: bool


# -- validation ---------------------------------------------------------------------------

def normalise_email(raw: str) -> str:
    """A plain ASCII address, trimmed and lower-cased; anything else is refused."""
    try:
        return normalise_address(raw)
    except BadAddress as exc:
        raise InvalidSubscription(f"email: {header_text(raw, 80)!r} is {exc}") from None


def _topics(raw: Iterable[str]) -> tuple[str, ...]:
    cleaned = [header_text(t, MAX_TOPIC_CHARS) for t in raw]
    topics = tuple(dict.fromkeys(t for t in cleaned if t))
    if len(topics) > MAX_TOPICS:
        raise InvalidSubscription(f"topics: at most {MAX_TOPICS}")
    return topics


def _categories(raw: Iterable[str]) -> tuple[str, ...]:
    found = [c.strip() for item in raw for c in re.split(r"[\s,]+", item) if c.strip()]
    for cat in found:
        if not _CATEGORY.fullmatch(cat):
            raise InvalidSubscription(f"categories: {header_text(cat, 40)!r} is not an arXiv "
                                      "category (like cs.LG or q-bio.BM)")
    if len(found) > MAX_CATEGORIES:
        raise InvalidSubscription(f"categories: at most {MAX_CATEGORIES}")
    return tuple(dict.fromkeys(found))


def _weekday(raw: int | str) -> int:
    if isinstance(raw, str) and not raw.strip().isdigit():
        name = raw.strip().lower()
        matches = [i for i, day in enumerate(WEEKDAYS) if len(name) >= 2 and day.startswith(name)]
        if len(matches) != 1:
            raise InvalidSubscription(f"weekday: {header_text(raw, 20)!r} is not a weekday")
        return matches[0]
    value = int(raw)
    if not 0 <= value <= 6:
        raise InvalidSubscription("weekday: use 0 (Monday) to 6 (Sunday) or a day's name")
    return value


def _timezone(raw: str) -> str:
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSubscription(f"timezone: {header_text(raw, 60)!r} is not a time zone; use "
                                  "an IANA name such as Europe/Paris or UTC") from None
    return name


def make_preferences(settings: Settings, *, topics: Iterable[str] = (),
                     categories: Iterable[str] = (), frequency: str = "daily",
                     weekday: int | str = 0, send_hour: int | None = None,
                     timezone: str | None = None) -> Preferences:
    """Checked preferences; missing hour and zone come from the instance's defaults."""
    if frequency not in FREQUENCIES:
        raise InvalidSubscription(f"frequency: {header_text(str(frequency), 20)!r}; choose "
                                  "daily or weekly")
    hour = settings.digest_send_hour if send_hour is None else int(send_hour)
    if not 0 <= hour <= 23:
        raise InvalidSubscription("send_hour: use 0 to 23 (local time)")
    return Preferences(topics=_topics(topics), categories=_categories(categories),
                       frequency=frequency, weekday=_weekday(weekday), send_hour=hour,
                       timezone=_timezone(timezone or settings.digest_timezone))


# -- subscribing --------------------------------------------------------------------------

def subscribe(store: Store, settings: Settings, email: str, prefs: Preferences, *,
              now: datetime, send: Send | None = None, confirmed: bool = False,
              tokens: Tokens | None = None, client: str | None = None) -> SubscribeOutcome:
    """Subscribe an address: pending plus a confirmation mail, or active when confirmed.

    Whoever asks, one address gets at most one mail per hour from here, and a request that
    would mail is counted against the client, the mailbox and the instance (deliver/limits:
    TooManyMails past a limit, before anything is stored). An active or paused
    subscription keeps its preferences (only its owner may change them, by the manage link)
    and is sent a reminder with that link instead of a confirmation.
    """
    address = normalise_email(email)
    if send is not None and not confirmed:
        _make_room(store, settings, address, now=now)
        count_unconfirmed_mail(store, settings, address, client=client, now=now)
    sub, created = store.add_subscription(address, prefs, status="active" if confirmed
                                          else "pending", now=now)
    if confirmed:
        if not created:
            store.update_preferences(sub.id, prefs)
            sub = store.set_subscription_status(sub.id, "active", now=now)
        return SubscribeOutcome(sub, created, mailed=False)
    if not created and sub.status in ("pending", "unsubscribed", "bouncing"):
        store.update_preferences(sub.id, prefs)
        sub = store.set_subscription_status(sub.id, "pending", now=now)
    mailed = False
    if send is not None and store.reserve_confirmation(sub.id, now=now,
                                                       not_since=now - CONFIRM_INTERVAL):
        renderer = Renderer(settings, Links(settings, tokens or Tokens.from_settings(settings)))
        message = (renderer.confirmation(sub, now=now) if sub.status == "pending"
                   else renderer.reminder(sub, now=now))
        try:
            send(message)
        except BaseException:  # not sent: the address may ask again at once
            store.release_confirmation(sub.id, reserved_at=now, previous=sub.confirm_sent_at)
            raise
        mailed = True
    return SubscribeOutcome(sub, created, mailed)


def _make_room(store: Store, settings: Settings, address: str, *, now: datetime) -> None:
    """Forget pending subscriptions whose confirmation link has expired; TooManyMails when
    max_pending_subscriptions are still waiting and this address would add one more."""
    store.forget_pending(now - timedelta(hours=settings.confirm_token_hours))
    if store.count_pending() >= settings.max_pending_subscriptions and \
            store.find_subscription(address) is None:
        raise TooManyMails("too many subscriptions are waiting for confirmation; try again "
                           "later", retry_after=3600)


def from_link(store: Store, tokens: Tokens, purpose: str, token: str) -> Subscription:
    """The subscription a signed link names, or BadLink (tampered, expired or stale)."""
    sub_id, tag = tokens.read(purpose, token)
    sub = store.get_subscription(sub_id)
    if sub is None or email_tag(sub.email) != tag:
        raise BadLink("this link is no longer valid (the subscription is gone)")
    return sub


def confirm(store: Store, tokens: Tokens, token: str, *, now: datetime) -> Subscription:
    """Activate a pending subscription (again: no change); a cancelled one stays cancelled."""
    sub = from_link(store, tokens, "confirm", token)
    if sub.status == "pending":
        return store.set_subscription_status(sub.id, "active", now=now)
    if sub.status in ("unsubscribed", "bouncing"):
        raise BadLink("this subscription was cancelled; subscribe again to restart it")
    return sub


def unsubscribe(store: Store, tokens: Tokens, token: str, *, now: datetime,
                purpose: str = "unsubscribe") -> Subscription:
    """Stop all mail to the subscription from the next send on (idempotent)."""
    sub = from_link(store, tokens, purpose, token)
    if sub.status == "unsubscribed":
        return sub
    return store.set_subscription_status(sub.id, "unsubscribed", now=now)


def update(store: Store, tokens: Tokens, token: str, prefs: Preferences) -> Subscription:
    """Replace the preferences of the subscription a manage link names, while it is active
    or paused (a pending or cancelled one is changed only by subscribing again)."""
    sub = from_link(store, tokens, "manage", token)
    if sub.status not in ("active", "paused"):
        raise BadLink("this subscription is not active; subscribe again to change it")
    return store.update_preferences(sub.id, prefs)


def set_paused(store: Store, tokens: Tokens, token: str, paused: bool, *,
               now: datetime) -> Subscription:
    """Pause or resume digests by manage link (only a confirmed subscription changes)."""
    sub = from_link(store, tokens, "manage", token)
    if sub.status not in ("active", "paused"):
        return sub
    return store.set_subscription_status(sub.id, "paused" if paused else "active", now=now)


def remove(store: Store, email: str) -> Subscription:
    """Delete a subscription and its digest history (the admin's `subscribers remove`)."""
    sub = store.find_subscription(normalise_email(email))
    if sub is None:
        raise NotFound(f"no subscription for {email.strip()!r}")
    store.delete_subscription(sub.id)
    return replace(sub, status="removed")
