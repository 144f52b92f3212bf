"""Replies to a reader's comments in their digest, only when they opted in (real SMTP server,
MIME parsed, both backends)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from digest_data import NOW
from paperfeed.config import Settings
from paperfeed.deliver.actions import send_digests
from paperfeed.models import Preferences
from paperfeed.store import Store
from readerkit import topical_papers
from smtp import SmtpServer


@pytest.fixture
def conf(settings: Settings, smtp_server: SmtpServer, store: Store) -> Settings:
    store.upsert_papers(topical_papers(NOW))
    return smtp_server.configure(settings, base_url="https://papers.example.org",
                                 digest_trending_count=2, digest_for_you_count=0)


def _thread(store: Store) -> tuple[int, int]:
    store.add_subscription("ada@example.org", Preferences(send_hour=7), status="active",
                           now=NOW - timedelta(days=30))
    ada = store.get_or_create_reader("ada@example.org")
    bob = store.get_or_create_reader("bob@example.org")
    store.set_reader_profile(bob, "Bob <b>B</b>", False)
    top = store.add_comment(ada, "robot-0", "Does it work on soft objects?")
    answer = store.add_comment(bob, "robot-0", "Yes, *see* fig. 3\nand the appendix", top.id)
    return ada, answer.id


def test_replies_come_only_to_readers_who_asked(store: Store, conf: Settings,
                                                smtp_server: SmtpServer) -> None:
    _thread(store)
    send_digests(store, conf, now=NOW)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "REPLIES TO YOUR COMMENTS" not in text and "soft objects" not in text


def test_replies_to_my_comments_are_in_my_digest(store: Store, conf: Settings,
                                                 smtp_server: SmtpServer) -> None:
    ada, answer = _thread(store)
    store.set_reader_profile(ada, None, True)
    send_digests(store, conf, now=NOW)
    msg = smtp_server.messages[0]
    assert str(msg["Subject"]).endswith(" new papers, 1 reply to your comments")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "REPLIES TO YOUR COMMENTS" in text
    assert "- Bob <b>B</b> on Robot grasping with tactile sensors:" in text
    assert "Yes, *see* fig. 3\n   and the appendix" in text
    assert f"https://papers.example.org/papers/robot-0#comment-{answer}" in text
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Bob &lt;b&gt;B&lt;/b&gt;" in html and "<b>B</b>" not in html
