"""Subscription pages in the real app with a real SMTP server: opt-in, manage, one-click leave."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from digest_data import NOW, seed
from paperfeed.config import Settings
from paperfeed.deliver.actions import send_digests
from paperfeed.deliver.links import Links, Tokens
from paperfeed.models import Preferences
from paperfeed.store import Store
from paperfeed.web.app import create_app
from smtp import SmtpServer


@pytest.fixture
def conf(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return smtp_server.configure(settings, base_url="https://papers.example.org")


@pytest.fixture
def web(conf: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(conf, store), base_url="https://papers.example.org") as client:
        yield client


def _csrf(client: TestClient) -> str:
    page = client.get("/subscribe")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _subscribe(client: TestClient, email: str, **fields: str) -> str:
    form = {"email": email, "topics": "state space models\nprotein design -diffusion",
            "categories": "cs.LG q-bio.BM", "frequency": "daily", "weekday": "0",
            "send_hour": "8", "timezone": "Europe/Paris", "csrf_token": _csrf(client), **fields}
    response = client.post("/subscribe", data=form)
    return f"{response.status_code} {response.text}"


def _link(message: EmailMessage, path: str) -> str:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(rf"https://papers\.example\.org{re.escape(path)}\S+", text)
    assert found is not None, text
    return urlsplit(found.group(0)).path


def test_double_opt_in_from_the_form_to_an_active_subscription(
        web: TestClient, store: Store, smtp_server: SmtpServer) -> None:
    assert "200" in _subscribe(web, "New.Reader@Example.org")
    sub = store.find_subscription("new.reader@example.org")
    assert sub is not None and sub.status == "pending"
    assert sub.prefs == Preferences(topics=("state space models", "protein design -diffusion"),
                                    categories=("cs.LG", "q-bio.BM"), send_hour=8,
                                    timezone="Europe/Paris")
    (mail,) = smtp_server.messages
    assert mail["Subject"] == "Confirm your paperfeed subscription"
    confirm = _link(mail, "/subscribe/confirm/")
    page = web.get(confirm)  # a mail scanner following the link confirms nothing
    assert page.status_code == 200 and "Yes, confirm" in page.text
    assert store.find_subscription("new.reader@example.org").status == "pending"  # type: ignore[union-attr]
    done = web.post(confirm)
    assert done.status_code == 200 and "You are subscribed" in done.text
    assert store.find_subscription("new.reader@example.org").status == "active"  # type: ignore[union-attr]


def test_a_confirmation_mail_carries_no_text_the_requester_typed(
        web: TestClient, smtp_server: SmtpServer) -> None:
    phish = "URGENT: your account is locked, verify at https://phish.example/login"
    response = web.post("/api/v1/subscriptions", json={
        "email": "stranger@example.org", "topics": [phish, "protein design"],
        "categories": ["cs.LG"]})
    assert response.status_code == 202
    (mail,) = smtp_server.messages
    for part in ("plain", "html"):
        text = mail.get_body((part,)).get_content()  # type: ignore[union-attr]
        assert "URGENT" not in text and "phish" not in text and "protein" not in text
        assert "a daily digest with 2 topics and 1 category" in text
    assert "URGENT" not in mail["Subject"]


def test_at_most_one_confirmation_mail_per_address_per_hour(
        web: TestClient, store: Store, smtp_server: SmtpServer) -> None:
    for _ in range(3):
        assert "Check your inbox" in _subscribe(web, "victim@example.org")
    assert len(smtp_server.messages) == 1


def test_subscribing_an_active_address_changes_nothing_and_mails_its_manage_link(
        web: TestClient, store: Store, smtp_server: SmtpServer) -> None:
    store.add_subscription("kept@example.org", Preferences(topics=("mine",)), status="active",
                           now=NOW)
    assert "Check your inbox" in _subscribe(web, "kept@example.org", topics="theirs")
    sub = store.find_subscription("kept@example.org")
    assert sub is not None and sub.prefs.topics == ("mine",) and sub.status == "active"
    (mail,) = smtp_server.messages
    assert mail["Subject"] == "Your paperfeed subscription"
    assert _link(mail, "/subscriptions/manage/")


def test_the_form_refuses_bad_input_with_the_reason(web: TestClient, store: Store,
                                                    smtp_server: SmtpServer) -> None:
    bad_zone = _subscribe(web, "a@example.org", timezone="Mars/Olympus")
    assert bad_zone.startswith("422") and "not a time zone" in bad_zone
    assert _subscribe(web, "not-an-address").startswith("422")
    assert smtp_server.messages == [] and store.find_subscription("a@example.org") is None


def test_the_form_needs_its_csrf_token(web: TestClient, smtp_server: SmtpServer) -> None:
    response = web.post("/subscribe", data={"email": "a@example.org"})
    assert response.status_code == 403 and smtp_server.messages == []


def test_the_json_api_subscribes_with_double_opt_in(web: TestClient, store: Store,
                                                    smtp_server: SmtpServer) -> None:
    response = web.post("/api/v1/subscriptions", json={
        "email": "api@example.org", "topics": ["diffusion"], "frequency": "weekly",
        "weekday": "friday"})
    assert response.status_code == 202 and response.json()["status"] == "pending"
    sub = store.find_subscription("api@example.org")
    assert sub is not None and sub.prefs.weekday == 4 and len(smtp_server.messages) == 1


@pytest.mark.parametrize("email", ["a@example.org\r\nBcc: victim@evil.example",
                                   "a@example.org\nTo: x@evil.example", "<a@example.org>"])
def test_header_injection_in_the_address_is_refused(web: TestClient, smtp_server: SmtpServer,
                                                    email: str) -> None:
    response = web.post("/api/v1/subscriptions", json={"email": email})
    assert response.status_code == 422 and smtp_server.messages == []


def test_crlf_in_topics_stays_out_of_the_headers(web: TestClient, store: Store,
                                                 smtp_server: SmtpServer) -> None:
    web.post("/api/v1/subscriptions", json={
        "email": "a@example.org", "topics": ["x\r\nBcc: victim@evil.example\r\n\r\nhi"]})
    (mail,) = smtp_server.messages
    assert mail["Bcc"] is None and smtp_server.envelopes[0].rcpt_tos == ["a@example.org"]
    sub = store.find_subscription("a@example.org")
    assert sub is not None and sub.prefs.topics == ("x Bcc: victim@evil.example hi",)


def _digest_for(store: Store, conf: Settings, smtp_server: SmtpServer) -> EmailMessage:
    seed(store)
    store.add_subscription("reader@example.org", Preferences(topics=("transformers",)),
                           status="active", now=NOW)
    assert send_digests(store, conf, now=NOW).sent == 1
    return smtp_server.messages[-1]


def test_one_click_unsubscribe_by_the_list_unsubscribe_post(
        web: TestClient, store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    mail = _digest_for(store, conf, smtp_server)
    url = mail["List-Unsubscribe"].split(",")[0].strip(" <>")
    web.cookies.clear()
    assert web.get(urlsplit(url).path).status_code == 200  # a GET only asks
    assert store.find_subscription("reader@example.org").status == "active"  # type: ignore[union-attr]
    response = web.post(urlsplit(url).path, content=b"List-Unsubscribe=One-Click",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert store.find_subscription("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    assert send_digests(store, conf, now=NOW + timedelta(days=1)).sent == 0


def test_the_manage_link_changes_topics_pauses_and_leaves(
        web: TestClient, store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    manage = _link(_digest_for(store, conf, smtp_server), "/subscriptions/manage/")
    page = web.get(manage)
    assert page.status_code == 200 and "transformers" in page.text
    saved = web.post(manage, data={"action": "save", "topics": "graph neural networks",
                                   "categories": "cs.LG", "frequency": "weekly",
                                   "weekday": "2", "send_hour": "6", "timezone": "UTC"})
    assert saved.status_code == 200 and "saved" in saved.text
    sub = store.find_subscription("reader@example.org")
    assert sub is not None and sub.prefs == Preferences(
        topics=("graph neural networks",), categories=("cs.LG",), frequency="weekly",
        weekday=2, send_hour=6, timezone="UTC")
    web.post(manage, data={"action": "pause"})
    assert store.find_subscription("reader@example.org").status == "paused"  # type: ignore[union-attr]
    web.post(manage, data={"action": "resume"})
    assert store.find_subscription("reader@example.org").status == "active"  # type: ignore[union-attr]
    left = web.post(manage, data={"action": "leave"})
    assert "You have left" in left.text
    assert store.find_subscription("reader@example.org").status == "unsubscribed"  # type: ignore[union-attr]


def test_the_manage_form_refuses_unknown_actions_and_keeps_omitted_fields(
        web: TestClient, store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    manage = _link(_digest_for(store, conf, smtp_server), "/subscriptions/manage/")
    before = store.find_subscription("reader@example.org")
    assert before is not None
    refused = web.post(manage, data={"action": "delete-everything", "topics": "spam"})
    assert refused.status_code == 400 and "Unknown action" in refused.text
    only_topics = web.post(manage, data={"action": "save", "topics": "graph neural networks"})
    assert only_topics.status_code == 200
    after = store.find_subscription("reader@example.org")
    assert after is not None and after.prefs == Preferences(
        topics=("graph neural networks",), categories=before.prefs.categories,
        frequency=before.prefs.frequency, weekday=before.prefs.weekday,
        send_hour=before.prefs.send_hour, timezone=before.prefs.timezone)


@pytest.mark.parametrize("status", ["pending", "unsubscribed"])
def test_a_manage_link_cannot_change_or_revive_a_subscription_that_is_not_on(
        web: TestClient, store: Store, conf: Settings, status: str) -> None:
    sub, _ = store.add_subscription("gone@example.org", Preferences(topics=("mine",)),
                                    status=status, now=NOW)
    manage = urlsplit(Links(conf, Tokens.from_settings(conf)).manage(sub)).path
    saved = web.post(manage, data={"action": "save", "topics": "phishing text"})
    assert saved.status_code == 400
    web.post(manage, data={"action": "resume"})
    after = store.find_subscription("gone@example.org")
    assert after is not None and after.status == status and after.prefs.topics == ("mine",)


def test_links_are_signed_and_expire(web: TestClient, store: Store, conf: Settings) -> None:
    sub, _ = store.add_subscription("a@example.org", Preferences(), status="pending", now=NOW)
    old = Tokens.from_settings(conf, clock=lambda: time.time() - 49 * 3600)
    expired = urlsplit(Links(conf, old).confirm(sub)).path
    assert web.post(expired).status_code == 410
    fresh = urlsplit(Links(conf, Tokens.from_settings(conf)).confirm(sub)).path
    assert web.post(fresh[:-3] + "abc").status_code == 400
    other_key = Tokens.from_settings(conf.__class__(**{**conf.__dict__, "secret_key": "x"}))
    assert web.post(urlsplit(Links(conf, other_key).confirm(sub)).path).status_code == 400
    manage = urlsplit(Links(conf, Tokens.from_settings(conf)).manage(sub)).path
    assert web.post(manage.replace("/subscriptions/manage/", "/subscribe/confirm/")
                    ).status_code == 400  # a manage token does not confirm
    assert store.find_subscription("a@example.org").status == "pending"  # type: ignore[union-attr]


def test_the_page_banner_offers_the_subscribe_form(web: TestClient) -> None:
    page = web.get("/subscribe?email=me%40example.org")
    assert 'value="me@example.org"' in page.text
