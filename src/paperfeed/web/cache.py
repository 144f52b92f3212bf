"""In-process cache of pages rendered for signed-out readers, keyed by the store's data version."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


@dataclass(frozen=True, slots=True)
class CachedPage:
    """One rendered page: its body plain and gzipped, and an ETag for conditional requests."""

    body: bytes
    gzipped: bytes
    etag: str
    status: int = 200

    @classmethod
    def of(cls, html: str, status: int = 200) -> CachedPage:
        body = html.encode()
        tag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        # Level 1: a page is compressed once, on the request that misses the cache, where
        # a higher level costs that request more time than its few saved bytes are worth.
        return cls(body, gzip.compress(body, compresslevel=1, mtime=0), tag, status)

    def response(self, request: Request) -> Response:
        """The page as a response: 304 when the client has it, gzipped when it accepts gzip."""
        headers = {"ETag": self.etag, "Cache-Control": "no-cache",
                   "Vary": "Accept-Encoding, Cookie"}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        body = self.body
        if "gzip" in request.headers.get("accept-encoding", ""):
            body, headers["Content-Encoding"] = self.gzipped, "gzip"
        return Response(body, status_code=self.status, headers=headers,
                        media_type="text/html; charset=utf-8")


T = TypeVar("T")


class PageCache(Generic[T]):
    """Least-recently-used entries (rendered pages, or the data pages are rendered from), all
    dropped when data_version() changes; each lives ttl seconds.

    Callers take `version = cache.version()` before reading the store, and `put` with it: an
    entry built from data that changed meanwhile is not kept.
    """

    def __init__(self, data_version: Callable[[], str], *, max_entries: int = 512,
                 ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._data_version = data_version
        self._max, self._ttl, self._clock = max_entries, ttl, clock
        self._pages: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._version: str | None = None
        self._lock = threading.Lock()

    def version(self) -> str:
        """The store's data version now; a change empties the cache."""
        current = self._data_version()
        with self._lock:
            if current != self._version:
                self._pages.clear()
                self._version = current
        return current

    def get(self, key: str) -> T | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if self._clock() - entry[0] > self._ttl:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def put(self, key: str, page: T, version: str) -> None:
        with self._lock:
            if version != self._version:
                return
            self._pages[key] = (self._clock(), page)
            self._pages.move_to_end(key)
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


class VersionedStatic(StaticFiles):
    """Static files; a URL carrying ?v=<content hash> (as templates link them) is immutable."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
