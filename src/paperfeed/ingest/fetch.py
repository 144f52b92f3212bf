"""A polite HTTP client shared by the upstream sources: one User-Agent, spacing, retries."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TypeVar

import httpx

from paperfeed import __version__
from paperfeed.config import Settings
from paperfeed.errors import IngestError

log = logging.getLogger("paperfeed.ingest")

T = TypeVar("T")
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_WAIT = 600.0  # never sleep longer than this at once, whatever Retry-After says


class UpstreamError(IngestError):
    """An upstream failed for good (after retries, or with an answer retrying cannot fix)."""


class BrokenDocument(ValueError):
    """A response that arrived whole by HTTP but cannot be read (truncated XML, wrong shape):
    the request is retried like a server error."""


def user_agent(settings: Settings) -> str:
    """paperfeed/VERSION plus the contact address arXiv and Hugging Face ask polite clients for."""
    contact = f" (mailto:{settings.contact_email})" if settings.contact_email else ""
    return f"paperfeed/{__version__}{contact}"


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Upstream:
    """GET with at most one request per `request_interval`, retried with exponential backoff.

    429, 5xx, timeouts, dropped connections and unreadable bodies (BrokenDocument raised by
    the caller's `read`) are retried up to `http_retries` times, waiting what Retry-After
    asks or interval * 2**attempt; then UpstreamError says what failed.
    """

    def __init__(self, settings: Settings, name: str) -> None:
        self.name = name
        self.interval = settings.request_interval
        self.retries = settings.http_retries
        self.requests = 0
        self._next_at = 0.0
        self._client = httpx.Client(timeout=settings.http_timeout, follow_redirects=True,
                                    headers={"User-Agent": user_agent(settings)})

    def __enter__(self) -> Upstream:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, params: Mapping[str, str | int] | None = None, *,
            read: Callable[[httpx.Response], T]) -> T:
        """The response to GET url, turned into a value by read (pure; may raise
        BrokenDocument to have the request tried again)."""
        shown = str(httpx.URL(url, params=params)) if params else url
        problem = ""
        for attempt in range(self.retries + 1):
            try:
                return self._attempt(url, params, shown, read)
            except _Retry as retry:
                problem = retry.problem
                if attempt < self.retries:
                    self._back_off(attempt, retry)
        raise UpstreamError(f"{self.name}: GET {shown} failed after {self.retries + 1} "
                            f"attempt(s): {problem}")

    def _back_off(self, attempt: int, retry: _Retry) -> None:
        delay = min(MAX_WAIT, max(retry.wait, self.interval * 2 ** attempt))
        log.warning("%s: %s; retry %d of %d in %.1f s", self.name, retry.problem,
                    attempt + 1, self.retries, delay)
        self._next_at = max(self._next_at, time.monotonic() + delay)

    def _attempt(self, url: str, params: Mapping[str, str | int] | None, shown: str,
                 read: Callable[[httpx.Response], T]) -> T:
        """One try: the value read, or _Retry saying why and how long the server asks to wait."""
        self._pace()
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException:
            raise _Retry("timed out") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__}: {exc})") from None
        finally:  # the interval counts from the answer, so the server never sees two closer
            self._next_at = time.monotonic() + self.interval
        if response.status_code in RETRY_STATUS:
            asked = retry_after(response.headers.get("Retry-After"))
            shown_wait = f" (Retry-After {asked:g} s)" if asked is not None else ""
            raise _Retry(f"HTTP {response.status_code}{shown_wait}", asked or 0.0)
        if response.status_code >= 400:
            raise UpstreamError(f"{self.name}: GET {shown} answered HTTP "
                                f"{response.status_code}: {response.text[:200].strip()}")
        try:
            return read(response)
        except BrokenDocument as exc:
            raise _Retry(f"unreadable response ({exc})") from None

    def _pace(self) -> None:
        """Sleep until the next request is allowed."""
        now = time.monotonic()
        if self._next_at > now:
            time.sleep(self._next_at - now)
        self.requests += 1


class _Retry(Exception):
    def __init__(self, problem: str, wait: float = 0.0) -> None:
        super().__init__(problem)
        self.problem, self.wait = problem, wait
