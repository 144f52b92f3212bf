"""Sending digests to a real SMTP server: opt-in, exactly once, no repeats, faults, bounces."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import pytest

from digest_data import NOW, seed
from paperfeed.config import Settings
from paperfeed.deliver.actions import send_digests
from paperfeed.deliver.mailer import Mailer
from paperfeed.deliver.send import DigestSender, SendReport, due_now
from paperfeed.models import Preferences, Subscription
from paperfeed.store import Store
from smtp import DROP, SmtpServer, dead_port_settings

TODAY = NOW.date()
PREFS = Preferences(topics=("in-context learning",), send_hour=7)


@pytest.fixture
def conf(settings: Settings, smtp_server: SmtpServer, store: Store) -> Settings:
    seed(store)
    return smtp_server.configure(settings, base_url="https://papers.example.org",
                                 mail_from="Paper Feed <digest@papers.example.org>",
                                 digest_retry_seconds=60, max_bounces=2)


def _active(store: Store, email: str, prefs: Preferences = PREFS) -> Subscription:
    return store.add_subscription(email, prefs, status="active", now=NOW - timedelta(days=30))[0]


def _send(store: Store, conf: Settings, now: datetime = NOW, **kw: object) -> SendReport:
    return send_digests(store, conf, now=now, **kw)  # type: ignore[arg-type]


def _ids_in(message: EmailMessage) -> set[str]:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return {line.rsplit("/papers/", 1)[1] for line in text.splitlines() if "/papers/" in line}


def test_a_confirmed_subscriber_gets_one_digest_a_day(store: Store, conf: Settings,
                                                      smtp_server: SmtpServer) -> None:
    sub = _active(store, "reader@example.org")
    report = _send(store, conf)
    assert report.sent == 1
    assert _send(store, conf, NOW + timedelta(hours=3)).sent == 0  # same day: nothing more
    (msg,) = smtp_server.messages
    assert msg["To"] == "reader@example.org"
    assert msg["Subject"].startswith("paperfeed digest for Tue 10 Mar 2026: ")
    assert "matches topic 'in-context learning'" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    sends = store.count_digest_sends(TODAY)
    assert sends == {"sent": 1}
    stored = store.get_subscription(sub.id)
    assert stored is not None and stored.last_digest_date == TODAY
    assert store.sent_paper_ids(sub.id) == _ids_in(msg)


def test_papers_already_sent_are_not_sent_again(store: Store, conf: Settings,
                                                smtp_server: SmtpServer) -> None:
    _active(store, "reader@example.org")
    _send(store, conf)
    _send(store, conf, NOW + timedelta(days=1))
    first, second = smtp_server.messages
    assert _ids_in(first) and _ids_in(second)
    assert not _ids_in(first) & _ids_in(second)


def test_nothing_is_sent_before_confirmation_or_after_unsubscribing(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    store.add_subscription("pending@example.org", PREFS, status="pending", now=NOW)
    gone = _active(store, "gone@example.org")
    paused = _active(store, "paused@example.org")
    store.set_subscription_status(gone.id, "unsubscribed", now=NOW)
    store.set_subscription_status(paused.id, "paused", now=NOW)
    assert _send(store, conf).sent == 0
    assert smtp_server.messages == []


def test_an_unsubscribe_after_the_round_started_is_honoured(store: Store, conf: Settings,
                                                            smtp_server: SmtpServer) -> None:
    sub = _active(store, "reader@example.org")
    pairs = due_now(store, NOW)
    store.set_subscription_status(sub.id, "unsubscribed", now=NOW)
    with Mailer(conf) as mailer:
        report = DigestSender(store, conf, mailer, now=NOW, clock=lambda: NOW).run(pairs)
    assert report.not_active == 1 and smtp_server.messages == []


def test_an_empty_digest_is_not_sent_unless_asked(store: Store, conf: Settings,
                                                  smtp_server: SmtpServer) -> None:
    _active(store, "quiet@example.org", Preferences(topics=("zymurgy",), send_hour=7))
    no_trending = conf.__class__(**{**conf.__dict__, "digest_trending_count": 0})
    assert _send(store, no_trending).empty == 1
    assert smtp_server.messages == [] and store.count_digest_sends(TODAY) == {"skipped": 1}
    loud = no_trending.__class__(**{**no_trending.__dict__, "send_empty_digests": True})
    assert _send(store, loud, NOW + timedelta(days=1)).sent == 1
    assert smtp_server.messages[0]["Subject"].endswith(": 0 new papers")


def test_the_send_hour_is_local_time_and_a_date_catches_up_whatever_the_hour(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    _active(store, "late@example.org", Preferences(send_hour=20, timezone="Europe/Paris"))
    _active(store, "weekly@example.org", Preferences(frequency="weekly", weekday=0))
    assert _send(store, conf).sent == 0  # 13:00 in Paris; the weekly one is due on Mondays
    assert _send(store, conf, NOW + timedelta(hours=7)).sent == 1  # 20:00 in Paris
    report = _send(store, conf, NOW, day=date(2026, 3, 9))  # Monday: both were due
    assert report.sent == 2
    assert sorted(str(m["To"]) for m in smtp_server.messages) == \
        ["late@example.org", "late@example.org", "weekly@example.org"]


def test_a_transient_failure_is_retried_after_a_backoff(store: Store, conf: Settings,
                                                        smtp_server: SmtpServer) -> None:
    _active(store, "reader@example.org")
    smtp_server.defer("reader@example.org")
    assert _send(store, conf).deferred == 1
    assert _send(store, conf, NOW + timedelta(seconds=30)).counts["deferred"] == 0  # waiting
    assert _send(store, conf, NOW + timedelta(seconds=61)).deferred == 1  # second attempt
    smtp_server.accept("reader@example.org")
    assert _send(store, conf, NOW + timedelta(seconds=61 + 119)).sent == 0  # 120 s backoff
    assert _send(store, conf, NOW + timedelta(seconds=61 + 121)).sent == 1
    assert len(smtp_server.messages) == 1


def test_a_connection_dropped_mid_data_is_retried_and_delivers_once(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    _active(store, "reader@example.org")
    smtp_server.fail_next_data(DROP)
    assert _send(store, conf).deferred == 1
    assert store.count_digest_sends(TODAY) == {"failed": 1}
    assert _send(store, conf, NOW + timedelta(minutes=2)).sent == 1
    assert len(smtp_server.messages) == 1


def test_a_transient_failure_after_the_last_attempt_gives_up(store: Store, conf: Settings,
                                                             smtp_server: SmtpServer) -> None:
    _active(store, "reader@example.org")
    once = conf.__class__(**{**conf.__dict__, "digest_max_attempts": 1})
    smtp_server.fail_every_data("421 4.3.2 shutting down")
    assert _send(store, once).gave_up == 1
    assert store.settled_digests([TODAY]) != set()


def test_permanent_failures_count_as_bounces_and_stop_the_address(
        store: Store, conf: Settings, smtp_server: SmtpServer) -> None:
    sub = _active(store, "gone@example.org")
    smtp_server.refuse("gone@example.org")
    assert _send(store, conf).bounced == 1
    assert _send(store, conf, NOW + timedelta(days=1)).bounced == 1
    after = store.get_subscription(sub.id)
    assert after is not None and after.status == "bouncing" and after.bounces == 2
    smtp_server.accept("gone@example.org")
    assert _send(store, conf, NOW + timedelta(days=2)).sent == 0


def test_a_claim_left_by_a_dead_worker_expires_and_is_retried(store: Store, conf: Settings,
                                                              smtp_server: SmtpServer) -> None:
    sub = _active(store, "reader@example.org")
    store.claim_digest(sub.id, TODAY, worker="killed", now=NOW,
                       expires=NOW + timedelta(seconds=conf.digest_claim_seconds))
    assert _send(store, conf, NOW + timedelta(seconds=10)).taken == 1
    assert smtp_server.messages == []
    later = NOW + timedelta(seconds=conf.digest_claim_seconds + 1)
    assert _send(store, conf, later).sent == 1
    assert len(smtp_server.messages) == 1


def test_a_retried_digest_keeps_its_message_id(store: Store, conf: Settings,
                                               smtp_server: SmtpServer) -> None:
    _active(store, "reader@example.org")
    smtp_server.fail_next_data("451 4.7.1 greylisted")
    assert _send(store, conf).deferred == 1
    assert _send(store, conf, NOW + timedelta(minutes=2)).sent == 1
    first, second = smtp_server.attempted_message_ids()
    assert first == second == smtp_server.messages[0]["Message-ID"]


def test_two_workers_at_once_send_each_digest_exactly_once(store: Store, conf: Settings,
                                                           smtp_server: SmtpServer) -> None:
    for i in range(40):
        _active(store, f"r{i}@example.org")
    reports: list[SendReport] = []

    def work() -> None:
        reports.append(_send(store, conf))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == 40
    received = sorted(str(m["To"]) for m in smtp_server.messages)
    assert received == sorted(f"r{i}@example.org" for i in range(40))


def test_the_worker_keeps_going_while_the_smtp_server_is_down(store: Store, conf: Settings,
                                                              smtp_server: SmtpServer) -> None:
    from paperfeed.worker import Worker

    _active(store, "reader@example.org")
    conf = replace(conf, worker_steps=["digests"])
    report = Worker(dead_port_settings(conf), store, clock=lambda: NOW).round()
    assert report.digests is not None and report.digests.deferred == 1
    assert report.errors == []
    later = Worker(conf, store, clock=lambda: NOW + timedelta(minutes=2)).round()
    assert later.digests is not None and later.digests.sent == 1
    assert len(smtp_server.messages) == 1
