"""SMTP delivery: one reused connection, a rate limit, failures sorted into transient/permanent."""

from __future__ import annotations

import contextlib
import email.policy
import io
import re
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from types import TracebackType

from paperfeed.config import Settings
from paperfeed.errors import PaperfeedError


class WirePolicy(email.policy.EmailPolicy):
    """SMTP's policy (CRLF) with lines up to 998: a header that is plain ASCII and fits on
    one line goes out as it is, without the costly refolding (its value was checked when
    it was set on the EmailMessage); any other header is folded the standard way."""

    def fold_binary(self, name: str, value: str) -> bytes:
        text = str(value)
        if (text.isascii() and "\r" not in text and "\n" not in text
                and len(name) + len(text) + 2 <= (self.max_line_length or 998)):
            return f"{name}: {text}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_NEWLINES = re.compile(r"\r\n|\r|\n")  # what the stock generator splits lines on
WIRE_POLICY = WirePolicy(linesep="\r\n", max_line_length=998)

__all__ = [
    "WIRE_POLICY",
    "MailConfigError",
    "MailError",
    "Mailer",
    "PermanentMailError",
    "TransientMailError",
    "envelope_sender",
    "transact",
    "wire_bytes",
]


class MailError(PaperfeedError):
    """A message could not be handed to the SMTP server."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientMailError(MailError):
    """Worth retrying later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentMailError(MailError):
    """The server refused this recipient or message for good (5xx): the address bounces."""


class MailConfigError(MailError):
    """Our side is wrong (login refused, TLS unsupported, sender refused): no mail can go out."""


def envelope_sender(settings: Settings) -> str:
    """The bare address of mail_from (MAIL FROM and the Message-ID domain)."""
    return parseaddr(settings.mail_from)[1] or "paperfeed@localhost"


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


class Mailer:
    """Sends EmailMessages over one SMTP connection at most `mail_rate_limit` per second.

    The connection is opened on first use and reused; any failure closes it, so the next
    send starts clean. A message is never re-sent here: callers decide on retries.
    """

    def __init__(self, settings: Settings, *, timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None, messages_per_connection: int = 500,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.messages_per_connection = messages_per_connection
        self._interval = 1.0 / settings.mail_rate_limit
        self._clock, self._sleep = clock, sleep
        self._next_slot = 0.0
        self._smtp: smtplib.SMTP | None = None
        self._sent_on_connection = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def send(self, message: EmailMessage,
             commit: Callable[[str], None] | None = None) -> str:
        """Hand one message to the server; return its Message-ID (set here when missing).

        commit, if given, is called with the Message-ID once the whole message is with the
        server but before the final "." that makes the server accept it: the caller records
        the message as sent there. If commit raises, the connection is dropped without the
        final "." (the server discards the message) and the exception propagates.
        """
        self.stamp(message)
        message_id = str(message["Message-ID"])
        with self._lock:
            self._wait_for_slot()
            try:
                self._deliver(message, lambda: commit(message_id) if commit else None)
            except smtplib.SMTPException as exc:
                self._drop()
                raise classify(exc) from exc
            except (OSError, EOFError) as exc:  # refused, reset, timed out (socket.timeout), TLS
                self._drop()
                raise TransientMailError(f"SMTP connection failed: {exc!r}") from exc
            except BaseException:
                self._drop()  # commit failed (or we were interrupted): the message never lands
                raise
        return message_id

    def stamp(self, message: EmailMessage) -> None:
        """Give the message a Date and a Message-ID if it has none."""
        if message["Date"] is None:
            message["Date"] = formatdate(localtime=False, usegmt=True)
        if message["Message-ID"] is None:
            message["Message-ID"] = make_msgid(domain=_domain(envelope_sender(self.settings)))

    def close(self) -> None:
        """Say QUIT politely (ignoring a dead connection)."""
        with self._lock:
            self._quit_quietly()

    # -- internals ---------------------------------------------------------------------

    def _deliver(self, message: EmailMessage, commit: Callable[[], None]) -> None:
        if self._smtp is not None and self._sent_on_connection >= self.messages_per_connection:
            self._quit_quietly()
        smtp = self._smtp or self._connect()
        recipients = [addr for _, addr in getaddresses(message.get_all("To", []))]
        transact(smtp, envelope_sender(self.settings), recipients, wire_bytes(message), commit)
        self._sent_on_connection += 1

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout,
                                    context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        self._smtp, self._sent_on_connection = smtp, 0
        if smtp.sock is not None:  # small commands go out at once, not after Nagle's wait
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo_or_helo_if_needed()
        if s.smtp_security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        return smtp

    def _quit_quietly(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def _wait_for_slot(self) -> None:
        now = self._clock()
        if self._next_slot > now:
            self._sleep(self._next_slot - now)
            now = self._next_slot
        self._next_slot = now + self._interval


class _Generator(BytesGenerator):
    """SMTP's BytesGenerator (CRLF) writing a body's lines in one go, not one write per line:
    the same bytes, in a fraction of the time."""

    def _write_lines(self, lines: str) -> None:
        if lines:
            self.write(_NEWLINES.sub("\r\n", lines))


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF lines, headers unfolded up to 998 characters
    (folding at 78 would RFC 2047-encode long unbreakable ones such as List-Unsubscribe)."""
    out = io.BytesIO()
    _Generator(out, policy=WIRE_POLICY).flatten(message, linesep="\r\n")
    return out.getvalue()


def transact(smtp: smtplib.SMTP, sender: str, recipients: list[str], data: bytes,
             commit: Callable[[], None]) -> None:
    """MAIL, RCPT, DATA by hand, so that commit() runs before the final "." is sent."""
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for rcpt in recipients:
        code, reply = smtp.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, reply)
    if refused or not recipients:
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.docmd("DATA")
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)
    body = re.sub(rb"(?m)^\.", b"..", data)
    smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
    commit()
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def classify(exc: smtplib.SMTPException) -> MailError:
    """Sort an smtplib error: 4xx and lost connections are transient, 5xx permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg)
                         in exc.recipients.items())
        if codes and all(code >= 500 for code in codes):
            return PermanentMailError(f"recipient refused: {text}", min(codes))
        return TransientMailError(f"recipient deferred: {text}", min(codes, default=None))
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError):
        return MailConfigError(f"SMTP server refused our session: {exc}")
    if isinstance(exc, smtplib.SMTPSenderRefused) and exc.smtp_code >= 500:
        return MailConfigError(f"SMTP server refused the sender {exc.sender}: "
                               f"{exc.smtp_code} {_text(exc.smtp_error)}", exc.smtp_code)
    if isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
            exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        kind = PermanentMailError if exc.smtp_code >= 500 else TransientMailError
        return kind(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}", exc.smtp_code)
    return TransientMailError(f"SMTP failure: {exc!r}")


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)

