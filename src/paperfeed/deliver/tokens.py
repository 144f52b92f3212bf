"""Signed, expiring links for subscribers (confirm, manage, unsubscribe), made with itsdangerous."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from paperfeed.config import Settings
from paperfeed.errors import PaperfeedError

PURPOSES = ("confirm", "manage", "unsubscribe")

__all__ = ["PURPOSES", "BadLink", "Tokens", "email_tag"]


class BadLink(PaperfeedError):
    """A link that was tampered with, made for something else, or has expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def email_tag(email: str) -> str:
    """A short digest of the address: a token stops working if its id is given to another."""
    return hashlib.blake2b(email.encode(), digest_size=6).hexdigest()


def _clocked_signer(clock: Callable[[], float]) -> type[TimestampSigner]:
    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockedSigner


class Tokens:
    """Makes and reads the tokens in subscriber links; each purpose has its own salt and age."""

    def __init__(self, secret_key: str, *, confirm_seconds: float, manage_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        signer = _clocked_signer(clock)
        self._serializers = {
            p: URLSafeTimedSerializer(secret_key, salt=f"paperfeed.subscription.{p}",
                                      signer=signer) for p in PURPOSES}
        self._max_age = {"confirm": confirm_seconds, "manage": manage_seconds,
                         "unsubscribe": manage_seconds}

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.time) -> Tokens:
        return cls(settings.secret_key, confirm_seconds=settings.confirm_token_hours * 3600,
                   manage_seconds=settings.manage_token_days * 86400, clock=clock)

    def make(self, purpose: str, subscription_id: int, email: str) -> str:
        """A URL-safe token naming the subscription, signed and timestamped."""
        return str(self._serializers[purpose].dumps([subscription_id, email_tag(email)]))

    def read(self, purpose: str, token: str) -> tuple[int, str]:
        """(subscription id, email tag) from a token, or BadLink saying why not."""
        try:
            payload: Any = self._serializers[purpose].loads(
                token, max_age=int(self._max_age[purpose]))
        except SignatureExpired:
            raise BadLink("this link has expired; ask for a new one", expired=True) from None
        except BadSignature:
            raise BadLink("this link is not valid (it may be cut short)") from None
        if (not isinstance(payload, list) or len(payload) != 2 or
                not isinstance(payload[0], int) or not isinstance(payload[1], str)):
            raise BadLink("this link is not valid")
        return payload[0], payload[1]
