"""The instance is no mail cannon: mails to unconfirmed addresses are limited per client,
per mailbox and per instance (429 with Retry-After), pending subscriptions expire and are
capped. Against the real app and a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from paperfeed.config import Settings
from paperfeed.deliver.mailer import Mailer
from paperfeed.deliver.subscriptions import subscribe
from paperfeed.errors import TooManyMails
from paperfeed.models import Preferences
from paperfeed.store import Store
from paperfeed.web.app import create_app
from smtp import SmtpServer


@pytest.fixture
def conf(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return smtp_server.configure(settings)


def _app(conf: Settings, store: Store, **overrides: object) -> FastAPI:
    return create_app(conf.__class__(**{**conf.__dict__, **overrides}), store)


def _client(app: FastAPI, host: str = "198.51.100.7") -> TestClient:
    return TestClient(app, client=(host, 40000))


def _subscribe(client: TestClient, email: str) -> tuple[int, str | None]:
    response = client.post("/api/v1/subscriptions", json={"email": email,
                                                          "topics": ["anything"]})
    return response.status_code, response.headers.get("retry-after")


def test_one_client_cannot_mail_hundreds_of_strangers(conf: Settings, store: Store,
                                                      smtp_server: SmtpServer) -> None:
    client = _client(_app(conf, store))
    answers = [_subscribe(client, f"stranger{n}@example.org") for n in range(40)]
    assert [code for code, _ in answers] == [202] * 10 + [429] * 30
    assert smtp_server.count == 10
    retry = answers[-1][1]
    assert retry is not None and 0 < int(retry) <= 3600
    assert store.count_pending() == 10  # refused requests store nothing


def test_sign_in_and_subscribe_share_the_client_limit(conf: Settings, store: Store,
                                                      smtp_server: SmtpServer) -> None:
    client = _client(_app(conf, store))
    for n in range(6):
        assert _subscribe(client, f"s{n}@example.org")[0] == 202
    form = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    codes = [client.post("/signin", data={"email": f"reader{n}@example.org",
                                          "csrf_token": token.group(1)}).status_code
             for n in range(8)]
    assert codes == [200] * 4 + [429] * 4
    refused = client.post("/signin", data={"email": "late@example.org",
                                           "csrf_token": token.group(1)})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many mails" in refused.text
    assert smtp_server.count == 10


def test_tag_variants_of_one_mailbox_get_three_mails_an_hour(conf: Settings, store: Store,
                                                             smtp_server: SmtpServer) -> None:
    app = _app(conf, store)
    codes = [_subscribe(_client(app, f"203.0.113.{n}"), f"inbox+{n}@example.org")[0]
             for n in range(25)]
    gmail = [_subscribe(_client(app, f"192.0.2.{n}"), address)[0] for n, address in
             enumerate(["a.d.a@gmail.com", "ada+x@googlemail.com", "ADA@gmail.com",
                        "a.da+y@gmail.com"])]
    assert codes == [202] * 3 + [429] * 22 and gmail == [202] * 3 + [429]
    assert smtp_server.count == 6


def test_the_instance_sends_at_most_its_hourly_share(conf: Settings, store: Store,
                                                     smtp_server: SmtpServer) -> None:
    app = _app(conf, store, mail_limit_per_instance=5)
    codes = [_subscribe(_client(app, f"10.0.{n}.1"), f"person{n}@example.org")[0]
             for n in range(9)]
    assert codes == [202] * 5 + [429] * 4 and smtp_server.count == 5


def test_pending_subscriptions_expire_and_are_capped(conf: Settings, store: Store,
                                                     smtp_server: SmtpServer) -> None:
    capped = conf.__class__(**{**conf.__dict__, "max_pending_subscriptions": 3,
                               "mail_limit_per_client": 100})
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with Mailer(capped) as mailer:
        for n in range(3):
            subscribe(store, capped, f"p{n}@example.org", Preferences(), now=start,
                      send=mailer.send, client="198.51.100.1")
        with pytest.raises(TooManyMails, match="waiting for confirmation"):
            subscribe(store, capped, "p3@example.org", Preferences(), now=start,
                      send=mailer.send, client="198.51.100.1")
        later = start + timedelta(hours=capped.confirm_token_hours, minutes=1)
        subscribe(store, capped, "p4@example.org", Preferences(), now=later,
                  send=mailer.send, client="198.51.100.1")
    assert store.count_pending() == 1  # the three whose links expired are gone
    assert store.find_subscription("p0@example.org") is None
    assert smtp_server.count == 4
