"""Signed, expiring tokens (itsdangerous): the one place the secret key signs what readers carry.

Sign-in links and session cookies (web) and subscriber links (deliver) are all a JSON payload
signed with the instance's secret key, a salt naming the token's purpose, and a timestamp.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from paperfeed.errors import PaperfeedError

__all__ = ["BadLink", "Signed"]


class BadLink(PaperfeedError):
    """A link or token that was tampered with, made for something else, has expired or was
    already used; the message says which to the reader."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _clocked_signer(clock: Callable[[], float]) -> type[TimestampSigner]:
    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockedSigner


class Signed:
    """Tokens for one purpose (salt) that can be read back for max_age seconds."""

    def __init__(self, secret_key: str, salt: str, max_age: float, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=salt,
                                                  signer=_clocked_signer(clock))
        self.max_age = int(max_age)

    def dumps(self, payload: Any) -> str:
        """A URL-safe token carrying payload (JSON), signed and timestamped."""
        return str(self._serializer.dumps(payload))

    def loads(self, token: str, *, expired: str, invalid: str) -> Any:
        """The payload of a token signed for this purpose and younger than max_age;
        BadLink with the expired or invalid message otherwise."""
        try:
            return self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise BadLink(expired, expired=True) from None
        except BadSignature:
            raise BadLink(invalid) from None
