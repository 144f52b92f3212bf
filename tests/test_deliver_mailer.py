"""The SMTP mailer against a real aiosmtpd server: delivery, connection reuse, faults, TLS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from paperfeed.config import Settings, load_settings
from paperfeed.deliver.mailer import (
    MailConfigError,
    Mailer,
    PermanentMailError,
    TransientMailError,
)
from smtp import DROP, SmtpServer, dead_port_settings


@pytest.fixture
def settings() -> Settings:
    """Mail needs no database: these tests run once, not once per store backend."""
    return load_settings(environ={})


def _message(to: str = "reader@example.org", subject: str = "hello") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "paperfeed <digest@papers.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("body text\n")
    return msg


def test_send_delivers_and_returns_the_message_id(smtp_server: SmtpServer,
                                                  settings: Settings) -> None:
    with Mailer(smtp_server.configure(settings, mail_from="pf <digest@papers.example>")) as m:
        message_id = m.send(_message())
    got = smtp_server.messages[0]
    assert got["Message-ID"] == message_id
    assert message_id.endswith("@papers.example>")
    assert got["Date"] is not None
    assert smtp_server.envelopes[0].mail_from == "digest@papers.example"
    assert smtp_server.envelopes[0].rcpt_tos == ["reader@example.org"]
    assert got.get_content() == "body text\n"


def test_many_messages_share_one_connection(smtp_server: SmtpServer, settings: Settings) -> None:
    with Mailer(smtp_server.configure(settings)) as m:
        for i in range(20):
            m.send(_message(f"r{i}@example.org"))
    assert smtp_server.count == 20
    assert smtp_server.connections == 1


def test_connection_is_renewed_after_its_message_quota(smtp_server: SmtpServer,
                                                       settings: Settings) -> None:
    with Mailer(smtp_server.configure(settings), messages_per_connection=4) as m:
        for i in range(10):
            m.send(_message(f"r{i}@example.org"))
    assert smtp_server.count == 10
    assert smtp_server.connections == 3


def test_a_4xx_recipient_reply_is_transient(smtp_server: SmtpServer, settings: Settings) -> None:
    smtp_server.defer("later@example.org")
    with Mailer(smtp_server.configure(settings)) as m, \
            pytest.raises(TransientMailError) as err:
        m.send(_message("later@example.org"))
    assert err.value.code == 451


def test_a_5xx_recipient_reply_is_permanent(smtp_server: SmtpServer, settings: Settings) -> None:
    smtp_server.refuse("gone@example.org")
    with Mailer(smtp_server.configure(settings)) as m:
        with pytest.raises(PermanentMailError) as err:
            m.send(_message("gone@example.org"))
        m.send(_message("fine@example.org"))  # the next message still goes out
    assert err.value.code == 550
    assert [str(x["To"]) for x in smtp_server.messages] == ["fine@example.org"]


def test_a_5xx_data_reply_is_permanent_and_4xx_transient(smtp_server: SmtpServer,
                                                         settings: Settings) -> None:
    smtp_server.fail_next_data("554 5.6.0 Message rejected", "452 4.3.1 Out of memory")
    with Mailer(smtp_server.configure(settings)) as m:
        with pytest.raises(PermanentMailError):
            m.send(_message())
        with pytest.raises(TransientMailError):
            m.send(_message())
        m.send(_message())
    assert smtp_server.count == 1


def test_a_connection_dropped_during_data_is_transient_and_the_next_send_reconnects(
        smtp_server: SmtpServer, settings: Settings) -> None:
    smtp_server.fail_next_data(DROP)
    with Mailer(smtp_server.configure(settings), timeout=5) as m:
        with pytest.raises(TransientMailError):
            m.send(_message("first@example.org"))
        m.send(_message("second@example.org"))
    assert [str(x["To"]) for x in smtp_server.messages] == ["second@example.org"]


def test_a_refused_connection_is_transient(settings: Settings) -> None:
    with Mailer(dead_port_settings(settings), timeout=2) as m, \
            pytest.raises(TransientMailError):
        m.send(_message())


def test_the_rate_limit_spaces_messages_out(smtp_server: SmtpServer,
                                            settings: Settings) -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    mailer = Mailer(smtp_server.configure(settings, mail_rate_limit=4.0),
                    clock=lambda: now[0], sleep=sleep)
    with mailer:
        for _ in range(3):
            mailer.send(_message())
    assert slept == [0.25, 0.25]


# -- TLS and login -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def _authenticator(server: object, session: object, envelope: object, mechanism: str,
                   auth_data: object) -> AuthResult:
    ok = getattr(auth_data, "login", b"") == b"user" and \
        getattr(auth_data, "password", b"") == b"secret"
    return AuthResult(success=ok, handled=False)


def test_starttls_with_login_delivers(certificate: tuple[Path, Path],
                                      settings: Settings) -> None:
    server_ctx, client_ctx = _contexts(certificate)
    server = SmtpServer(tls_context=server_ctx, require_starttls=True,
                        authenticator=_authenticator, auth_require_tls=True).start()
    try:
        conf = server.configure(settings, smtp_security="starttls", smtp_user="user",
                                smtp_password="secret")
        with Mailer(conf, ssl_context=client_ctx) as m:
            m.send(_message())
        assert server.count == 1
        bad = server.configure(settings, smtp_security="starttls", smtp_user="user",
                               smtp_password="wrong")
        with Mailer(bad, ssl_context=client_ctx) as m, pytest.raises(MailConfigError):
            m.send(_message())
    finally:
        server.stop()


def test_implicit_tls_delivers(certificate: tuple[Path, Path], settings: Settings) -> None:
    server_ctx, client_ctx = _contexts(certificate)
    server = SmtpServer(ssl_context=server_ctx).start()
    try:
        with Mailer(server.configure(settings, smtp_security="tls"), ssl_context=client_ctx) as m:
            m.send(_message())
        assert server.count == 1
    finally:
        server.stop()


def test_starttls_against_a_server_without_it_is_a_configuration_error(
        smtp_server: SmtpServer, settings: Settings) -> None:
    with Mailer(smtp_server.configure(settings, smtp_security="starttls")) as m, \
            pytest.raises(MailConfigError):
        m.send(_message())


def test_commit_runs_before_the_server_accepts_the_message(smtp_server: SmtpServer,
                                                           settings: Settings) -> None:
    seen: list[tuple[str, int]] = []
    with Mailer(smtp_server.configure(settings)) as m:
        message_id = m.send(_message(), commit=lambda mid: seen.append((mid, smtp_server.count)))
    assert seen == [(message_id, 0)]
    assert smtp_server.count == 1


def test_a_failing_commit_means_the_message_never_lands(smtp_server: SmtpServer,
                                                        settings: Settings) -> None:
    def refuse(_: str) -> None:
        raise LookupError("claim lost")

    with Mailer(smtp_server.configure(settings), timeout=5) as m:
        with pytest.raises(LookupError):
            m.send(_message("first@example.org"), commit=refuse)
        m.send(_message("second@example.org"))
    assert [str(x["To"]) for x in smtp_server.messages] == ["second@example.org"]


def test_lines_starting_with_a_dot_survive_transport(smtp_server: SmtpServer,
                                                     settings: Settings) -> None:
    msg = _message()
    msg.set_content(".\n..two\n.end\n")
    with Mailer(smtp_server.configure(settings)) as m:
        m.send(msg)
    assert smtp_server.messages[0].get_content() == ".\n..two\n.end\n"


def test_a_server_that_never_answers_times_out_as_transient(settings: Settings) -> None:
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        conf = replace(settings, smtp_host="127.0.0.1", smtp_port=port)
        with Mailer(conf, timeout=0.5) as m, pytest.raises(TransientMailError):
            m.send(_message())
