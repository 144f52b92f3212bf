"""The URLs in subscriber mails and pages: signed links under the instance's base_url."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from paperfeed.config import Settings
from paperfeed.deliver.mailer import envelope_sender
from paperfeed.models import Subscription
from paperfeed.signing import BadLink, Signed

CONFIRM_PATH = "/subscribe/confirm/"
MANAGE_PATH = "/subscriptions/manage/"
UNSUBSCRIBE_PATH = "/unsubscribe/"
SIGNAL_PATH = "/digest/signal/"
PURPOSES = ("confirm", "manage", "unsubscribe", "signal")
SIGNAL_KINDS = ("more", "less")  # what a digest item's links may mark

__all__ = ["CONFIRM_PATH", "MANAGE_PATH", "PURPOSES", "SIGNAL_KINDS", "SIGNAL_PATH",
           "UNSUBSCRIBE_PATH", "Links", "Tokens", "email_tag"]


def email_tag(email: str) -> str:
    """A short digest of the address: a token stops working if its id is given to another."""
    return hashlib.blake2b(email.encode(), digest_size=6).hexdigest()


class Tokens:
    """Makes and reads the tokens in subscriber links; each purpose has its own salt and age."""

    def __init__(self, secret_key: str, *, confirm_seconds: float, manage_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        ages = {"confirm": confirm_seconds, "manage": manage_seconds,
                "unsubscribe": manage_seconds, "signal": manage_seconds}
        self._signed = {p: Signed(secret_key, f"paperfeed.subscription.{p}", ages[p],
                                  clock=clock) for p in PURPOSES}

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.time) -> Tokens:
        return cls(settings.secret_key, confirm_seconds=settings.confirm_token_hours * 3600,
                   manage_seconds=settings.manage_token_days * 86400, clock=clock)

    def make(self, purpose: str, subscription_id: int, email: str) -> str:
        """A URL-safe token naming the subscription, signed and timestamped."""
        return self._signed[purpose].dumps([subscription_id, email_tag(email)])

    def make_signal(self, subscription_id: int, email: str, paper_id: str, kind: str) -> str:
        """A digest item's "more / less like this" link token (its page asks before acting)."""
        return self._signed["signal"].dumps([subscription_id, email_tag(email), paper_id, kind])

    def read_signal(self, token: str) -> tuple[int, str, str, str]:
        """(subscription id, email tag, paper id, kind) from a signal token, or BadLink."""
        payload: Any = self._signed["signal"].loads(
            token, expired="this link has expired; newer digests carry new ones",
            invalid="this link is not valid (it may be cut short)")
        if (not isinstance(payload, list) or len(payload) != 4 or
                not isinstance(payload[0], int) or
                not all(isinstance(v, str) for v in payload[1:]) or
                payload[3] not in SIGNAL_KINDS):
            raise BadLink("this link is not valid")
        return payload[0], payload[1], payload[2], payload[3]

    def read(self, purpose: str, token: str) -> tuple[int, str]:
        """(subscription id, email tag) from a token, or BadLink saying why not."""
        payload: Any = self._signed[purpose].loads(
            token, expired="this link has expired; ask for a new one",
            invalid="this link is not valid (it may be cut short)")
        if (not isinstance(payload, list) or len(payload) != 2 or
                not isinstance(payload[0], int) or not isinstance(payload[1], str)):
            raise BadLink("this link is not valid")
        return payload[0], payload[1]


class Links:
    """Builds a subscription's confirm, manage and unsubscribe links (https and mailto)."""

    def __init__(self, settings: Settings, tokens: Tokens) -> None:
        self.base = settings.base_url.rstrip("/")
        self.tokens = tokens
        self.mailbox = envelope_sender(settings)
        if settings.mail_reply_to:
            self.mailbox = parseaddr(settings.mail_reply_to)[1] or self.mailbox

    def confirm(self, sub: Subscription) -> str:
        return self.base + CONFIRM_PATH + self.tokens.make("confirm", sub.id, sub.email)

    def manage(self, sub: Subscription) -> str:
        return self.base + MANAGE_PATH + self.tokens.make("manage", sub.id, sub.email)

    def unsubscribe(self, sub: Subscription) -> str:
        return self.base + UNSUBSCRIBE_PATH + self.tokens.make("unsubscribe", sub.id, sub.email)

    def signal(self, sub: Subscription, paper_id: str, kind: str) -> str:
        """A digest item's "more / less like this" link: its page has the one button."""
        return self.base + SIGNAL_PATH + self.tokens.make_signal(sub.id, sub.email, paper_id,
                                                                 kind)

    def mailto(self, unsubscribe_url: str) -> str:
        """The mailto: twin of an unsubscribe link (its token in the subject)."""
        token = unsubscribe_url.rsplit("/", 1)[1]
        return f"mailto:{self.mailbox}?subject={quote('unsubscribe ' + token)}"

    def paper(self, paper_id: str) -> str:
        return f"{self.base}/papers/{quote(paper_id, safe='/:')}"
