"""A real SMTP server for tests (aiosmtpd in a thread) that collects, defers, refuses or drops mail.

The `smtp_server` fixture is registered for every test by tests/conftest.py:

    from smtp import SmtpServer   # tests/ is on sys.path under pytest

    def test_x(smtp_server: SmtpServer, settings: Settings) -> None:
        mailer = Mailer(smtp_server.configure(settings))
        ...
        assert smtp_server.messages[0]["Subject"] == "..."

Faults are set on the running server: `defer("a@x")` / `refuse("a@x")` answer RCPT TO for that
address with 451 / 550, `fail_next_data("451 ...")` or `fail_next_data("drop")` make the next
DATA fail or lose the connection before any reply, and `fail_every_data` does that for all.
"""

from __future__ import annotations

import asyncio
import email
import email.parser
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from paperfeed.config import Settings

DROP = "drop"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Envelope:
    """What SMTP carried besides the message: the envelope sender and recipients."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


class SinkHandler:
    """aiosmtpd handler: stores accepted messages; plays the faults it was told to play."""

    def __init__(self, parse: bool = True) -> None:
        self.parse = parse
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.count = 0
        self.rcpt_replies: dict[str, str] = {}
        self.data_faults: list[str] = []
        self.every_data: str | None = None
        self.peers: set[tuple[str, int]] = set()
        self.attempts: list[bytes] = []  # every DATA received, faulted ones included
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
            self, server: Any, session: Any, envelope: Any, address: str,
            rcpt_options: list[str]) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
            self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            fault = self.data_faults.pop(0) if self.data_faults else self.every_data
            if self.parse:
                self.attempts.append(envelope.original_content or envelope.content)
        if fault == DROP:
            server.transport.abort()  # the client waits for a reply that never comes
            return "421 dropped"
        if fault is not None:
            return fault
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.count += 1
            self.peers.add(tuple(session.peer))
            if self.parse:
                self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos), raw))
                self.messages.append(email.message_from_bytes(
                    raw.replace(b"\r\n", b"\n"), _class=EmailMessage,
                    policy=email.policy.default))
            hold = self.count == self.hold_at
        if hold:  # like an MTA: the message is queued; now the reply is late
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running aiosmtpd on 127.0.0.1:<port>, with the handler's mailbox and fault switches."""

    def __init__(self, *, parse: bool = True, **controller_kwargs: Any) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.handler = SinkHandler(parse=parse)
        self.controller = Controller(self.handler, hostname=self.host, port=self.port,
                                     **controller_kwargs)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    @property
    def envelopes(self) -> list[Envelope]:
        return self.handler.envelopes

    @property
    def count(self) -> int:
        return self.handler.count

    @property
    def connections(self) -> int:
        """How many distinct client connections delivered at least one message."""
        return len(self.handler.peers)

    def configure(self, settings: Settings, **overrides: Any) -> Settings:
        """The same settings, with SMTP pointed at this server."""
        values: dict[str, Any] = {"smtp_host": self.host, "smtp_port": self.port,
                                  "smtp_security": "none", "smtp_user": "",
                                  "mail_rate_limit": 10_000.0}
        return replace(settings, **(values | overrides))

    def defer(self, address: str, reply: str = "451 4.3.0 Try again later") -> None:
        self.handler.rcpt_replies[address.lower()] = reply

    def refuse(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self.handler.rcpt_replies[address.lower()] = reply

    def accept(self, address: str) -> None:
        self.handler.rcpt_replies.pop(address.lower(), None)

    def fail_next_data(self, *faults: str) -> None:
        """Each fault ("451 ...", "554 ...", or DROP) spoils one coming DATA, in order."""
        with self.handler.lock:
            self.handler.data_faults.extend(faults)

    def fail_every_data(self, fault: str | None) -> None:
        self.handler.every_data = fault

    def hold_reply_to(self, n: int) -> None:
        """Queue the n-th message, then keep its sender waiting for the reply to DATA until
        release(); `held` is set when it waits (a sender killed then never hears "250")."""
        self.handler.hold_at = n

    @property
    def held(self) -> threading.Event:
        return self.handler.held

    def release(self) -> None:
        self.handler.released.set()

    def attempted_message_ids(self) -> list[str]:
        """The Message-ID of every message that reached DATA, including refused ones."""
        parser = email.parser.BytesHeaderParser(policy=email.policy.default)
        return [str(parser.parsebytes(raw)["Message-ID"]) for raw in self.handler.attempts]

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header names address."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A collecting SMTP server on 127.0.0.1 for the test's duration."""
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


def smtp_settings(settings: Settings, server: SmtpServer, **overrides: Any) -> Settings:
    """Settings pointing at server (same as server.configure(settings))."""
    return server.configure(settings, **overrides)


def dead_port_settings(settings: Settings) -> Settings:
    """Settings pointing at a port where no server listens (connection refused)."""
    return replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none")

