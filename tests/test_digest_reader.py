"""Digests of a subscriber who is also a signed-in reader: their signals shape "for you",
hidden papers never appear, saved papers' updates are listed, and each item's "more / less
like this" link asks before it acts (real SMTP server, MIME parsed, both backends)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from digest_data import NOW
from paperfeed.config import Settings
from paperfeed.deliver.actions import send_digests
from paperfeed.deliver.compose import Composer
from paperfeed.deliver.mailer import Mailer
from paperfeed.deliver.send import DigestSender
from paperfeed.models import Digest, Preferences, Subscription
from paperfeed.store import Store
from paperfeed.web.app import create_app
from readerkit import topical_papers
from smtp import SmtpServer


@pytest.fixture
def conf(settings: Settings, smtp_server: SmtpServer, store: Store) -> Settings:
    store.upsert_papers(topical_papers(NOW))
    return smtp_server.configure(settings, base_url="https://papers.example.org",
                                 digest_trending_count=3, digest_for_you_count=3)


def _subscriber(store: Store, email: str = "ada@example.org") -> Subscription:
    return store.add_subscription(email, Preferences(send_hour=7), status="active",
                                  now=NOW - timedelta(days=30))[0]


def _sections(message: EmailMessage) -> dict[str, list[str]]:
    """Paper ids per section of the text part, in order."""
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    out: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        if line.isupper() and line.strip():
            section = line.strip()
        found = re.search(r"/papers/(\S+)$", line)
        if found and section:
            out.setdefault(section, []).append(found.group(1))
    return out


def test_a_linked_subscribers_for_you_follows_their_saves_and_never_a_hidden_paper(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    _subscriber(store)
    reader = store.get_or_create_reader("ada@example.org")
    store.set_signal(reader, "robot-0", "save")
    store.set_signal(reader, "robot-1", "save")
    store.set_signal(reader, "robot-2", "hide")
    assert send_digests(store, conf, now=NOW).sent == 1
    (msg,) = smtp_server.messages
    sections = _sections(msg)
    everything = [pid for ids in sections.values() for pid in ids]
    assert "robot-2" not in everything
    assert sections["FOR YOU"][0] == "robot-3", sections
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "robot-2" not in html and "Why: like " in html
    assert html.count(">More like this</a>") == html.count(">Less like this</a>") == \
        len(everything)


def test_a_subscriber_without_a_reader_keeps_the_topic_digest(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    store.add_subscription("bob@example.org", Preferences(topics=("protein folding",)),
                           status="active", now=NOW - timedelta(days=30))
    assert send_digests(store, conf, now=NOW).sent == 1
    (msg,) = smtp_server.messages
    assert all(pid.startswith("protein-") for pid in _sections(msg)["FOR YOU"])


def test_saved_papers_that_changed_are_listed_once(store: Store, conf: Settings,
                                                   smtp_server: SmtpServer) -> None:
    _subscriber(store)
    reader = store.get_or_create_reader("ada@example.org")
    store.set_signal(reader, "protein-3", "save")
    [paper] = store.get_papers(["protein-3"])
    store.upsert_papers([replace(paper, code_urls=("https://github.com/lab/fold",))])
    send_digests(store, conf, now=NOW)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "UPDATES TO YOUR SAVED PAPERS" in text and "code: https://github.com/lab/fold" in text
    assert store.watch_changes(reader) == []  # shown once


def test_more_like_this_links_change_nothing_until_the_button(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    _subscriber(store)
    reader = store.get_or_create_reader("ada@example.org")
    store.set_signal(reader, "robot-0", "save")
    send_digests(store, conf, now=NOW)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    less = re.findall(r"Less like this: https://papers.example.org(\S+)", text)[0]
    before = store.reader_signals(reader)
    with TestClient(create_app(conf, store)) as web:
        page = web.get(less)
        assert page.status_code == 200 and "Less like this?" in page.text
        assert store.reader_signals(reader) == before  # a GET changes nothing
        done = web.post(less)
        assert done.status_code == 200 and "Noted" in done.text
        assert web.get(less[:-3] + "xyz").status_code == 400
    after = store.reader_signals(reader)
    assert after is not None and len(after.less) == 1


def test_a_reader_deleted_mid_digest_gets_no_mail_and_no_error(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    sub = _subscriber(store)
    reader = store.get_or_create_reader("ada@example.org")
    store.set_signal(reader, "robot-0", "save")

    class DeletingComposer(Composer):
        def compose(self, sub: Subscription, day: date) -> Digest:
            digest = super().compose(sub, day)
            store.delete_reader(reader)  # the account goes while the mail is being made
            return digest

    with Mailer(conf) as mailer:
        sender = DigestSender(store, conf, mailer, now=NOW,
                              composer=DeletingComposer(store, conf, now=NOW))
        outcome = sender.send_one(sub, NOW.date())
    assert outcome in ("taken", "not_active")
    assert smtp_server.messages == []
    assert store.get_subscription(sub.id) is None
