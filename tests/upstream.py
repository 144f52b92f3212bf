"""A tiny real HTTP server on 127.0.0.1 that plays an upstream (arXiv, OAI-PMH, Hugging Face).

Tests give it replies per path: a list served in order (the last one repeats), or a function
of the request. A reply can be cut short (the connection drops mid-body), slow (the client
times out), or any status with any headers (429/503 with Retry-After). Every request is
recorded with its query and headers, so tests can check what the client sent.

    with UpstreamServer() as server:
        server.route("/api/query", [Reply(503, headers={"Retry-After": "1"}), Reply(body=feed)])
        settings = load_settings(environ={}, arxiv_api_url=server.url("/api/query"))
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from paperfeed.config import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class Reply:
    """One response: status, body, headers; cut_at drops the connection after that many
    body bytes (Content-Length still promises all); delay sleeps before answering."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"
    cut_at: int | None = None
    delay: float = 0.0

    @property
    def data(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass(frozen=True)
class Request:
    """What the client sent."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


Handler = Callable[[Request], Reply]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class UpstreamServer:
    """A threaded HTTP server on a free port; use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> UpstreamServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def route(self, path: str, replies: list[Reply] | Handler) -> None:
        """Serve path with replies in order (the last repeats) or with a function."""
        if callable(replies):
            self._routes[path] = replies
            return
        queue = list(replies)

        def next_reply(_: Request) -> Reply:
            with self._lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self._routes[path] = next_reply

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
        handler = self._routes.get(request.path)
        if handler is None:
            return Reply(404, "no such route", content_type="text/plain")
        return handler(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                request = Request(parts.path, dict(parse_qsl(parts.query)),
                                  {k.lower(): v for k, v in self.headers.items()},
                                  time.monotonic())
                self._send(server._answer(request))

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.data
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.cut_at is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data if reply.cut_at is None else data[:reply.cut_at])
                self.wfile.flush()
                if reply.cut_at is not None:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        return _Handler



@pytest.fixture
def upstream() -> Iterator[UpstreamServer]:
    """A fresh local upstream server for one test."""
    with UpstreamServer() as server:
        yield server


def settings_for(settings: Settings, server: UpstreamServer, **overrides: Any) -> Settings:
    """The test's settings pointed at the local server, with tiny waits between requests."""
    values: dict[str, Any] = {
        "arxiv_api_url": server.url("/api/query"), "oai_pmh_url": server.url("/oai"),
        "hf_api_url": server.url("/hf"), "request_interval": 0.01, "http_retries": 2,
        "http_timeout": 5.0, "contact_email": "feeds@example.org", **overrides}
    return replace(settings, **values)
