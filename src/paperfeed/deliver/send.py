"""Sending digests exactly once: claim a (subscription, day), compose, record, then let it go.

The order that makes a crash harmless: the digest is recorded as sent in the database after
the whole message is with the SMTP server but before the final "." that makes the server
accept it (Mailer.send's commit hook). A worker killed before that point leaves a claim that
expires and is retried; killed after it, the message is both recorded and delivered. So a
killed worker never causes a second copy (the cost: a kill in the microseconds between the
record and the "." loses that one digest).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from paperfeed.config import Settings
from paperfeed.deliver.compose import Composer
from paperfeed.deliver.digest import due_date, due_on
from paperfeed.deliver.links import Links, Tokens
from paperfeed.deliver.mailer import (
    MailConfigError,
    Mailer,
    PermanentMailError,
    TransientMailError,
)
from paperfeed.deliver.render import Renderer, digest_message_id
from paperfeed.models import Claim, Digest, Subscription
from paperfeed.store import Store

log = logging.getLogger("paperfeed.deliver")
PAGE = 5000  # subscriptions read per query while finding who is due
MAX_BACKOFF = timedelta(hours=12)
OUTCOMES = ("sent", "empty", "not_active", "deferred", "bounced", "gave_up", "taken", "error")

__all__ = ["OUTCOMES", "DigestSender", "SendReport", "due_now", "due_that_day", "worker_name"]


def worker_name() -> str:
    """Unique per process and run: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SendReport:
    """How each due digest of a round ended (see OUTCOMES)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    def add(self, outcome: str) -> None:
        self.counts[outcome] += 1

    def __getattr__(self, name: str) -> int:
        if name in OUTCOMES:
            return self.counts[name]
        raise AttributeError(name)

    def summary(self) -> str:
        return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.counts.items() if n) \
            or "nothing due"


def _active(store: Store) -> Iterator[Subscription]:
    after = 0
    while page := store.list_subscriptions(status="active", after_id=after, limit=PAGE):
        yield from page
        after = page[-1].id


def due_now(store: Store, now: datetime) -> list[tuple[Subscription, date]]:
    """Every active subscription whose send hour has passed today in its time zone, with
    its local day, unless that day's digest is settled."""
    pairs = [(s, d) for s in _active(store) if (d := due_date(s, now)) is not None]
    settled = store.settled_digests(sorted({d for _, d in pairs}))
    return [(s, d) for s, d in pairs if (s.id, d) not in settled]


def due_that_day(store: Store, day: date) -> list[tuple[Subscription, date]]:
    """Every active subscription scheduled on day (any hour), unless already settled."""
    settled = store.settled_digests([day])
    return [(s, day) for s in _active(store) if due_on(s, day) and (s.id, day) not in settled]


class ClaimLost(Exception):
    """Another worker took the digest over (our claim had expired): do not send."""


class DigestSender:
    """Sends due digests; safe to run in several processes at once.

    With a mailer, everything goes through it. Without one, each run opens
    `smtp_connections` SMTP connections and sends over them at once from as many threads,
    each at its share of `mail_rate_limit` (SMTP waits for a reply after every command, so
    one connection leaves the worker idle most of the time).
    """

    def __init__(self, store: Store, settings: Settings, mailer: Mailer | None = None, *,
                 now: datetime | None = None, clock: Callable[[], datetime] = _utcnow,
                 worker: str | None = None, composer: Composer | None = None) -> None:
        self.store, self.settings, self.mailer, self.clock = store, settings, mailer, clock
        self.worker = worker or worker_name()
        self.composer = composer or Composer(store, settings, now=now or clock())
        self.renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
        self._lock = threading.Lock()

    def run(self, pairs: list[tuple[Subscription, date]],
            stop: Callable[[], bool] = lambda: False,
            progress: Callable[[int], None] | None = None) -> SendReport:
        """Try each (subscription, day) once; MailConfigError stops the round."""
        report, todo = SendReport(), iter(pairs)
        if self.mailer is not None:
            self._lane(self.mailer, todo, report, stop, progress)
            return report
        lanes = max(1, min(self.settings.smtp_connections, len(pairs)))
        share = replace(self.settings, mail_rate_limit=self.settings.mail_rate_limit / lanes)
        failures: list[BaseException] = []

        def lane() -> None:
            try:
                with Mailer(share) as mailer:
                    self._lane(mailer, todo, report, lambda: stop() or bool(failures),
                               progress)
            except BaseException as exc:  # re-raised below, in the caller
                failures.append(exc)

        threads = [threading.Thread(target=lane, name=f"digest-lane-{i}") for i in range(lanes)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                t.join()
        except BaseException as exc:  # Ctrl-C: the lanes finish the mail in flight, then stop
            failures.append(exc)
            for t in threads:
                t.join()
        if failures:
            raise failures[-1] if isinstance(failures[-1], KeyboardInterrupt) else failures[0]
        return report

    def _lane(self, mailer: Mailer, todo: Iterator[tuple[Subscription, date]],
              report: SendReport, stop: Callable[[], bool],
              progress: Callable[[int], None] | None) -> None:
        while not stop():
            with self._lock:
                item = next(todo, None)
            if item is None:
                return
            outcome = self.send_one(*item, mailer=mailer)
            with self._lock:
                report.add(outcome)
            if progress is not None:
                progress(1)

    def send_one(self, sub: Subscription, day: date, *, mailer: Mailer | None = None) -> str:
        """Claim, compose, send and record one digest; return its outcome."""
        mailer = mailer or self.mailer
        if mailer is None:
            raise ValueError("send_one needs a mailer (DigestSender was made without one)")
        now = self.clock()
        claim = self.store.claim_digest(
            sub.id, day, worker=self.worker, now=now,
            expires=now + timedelta(seconds=self.settings.digest_claim_seconds))
        if claim is None:
            return "taken"
        try:
            return self._claimed(claim, mailer)
        except ClaimLost:
            return "taken"
        except TransientMailError as exc:
            return self._deferred(claim, exc)
        except PermanentMailError as exc:
            self._fail(claim, f"bounced: {exc}", retry_at=None)
            self.store.record_bounce(sub.id, max_bounces=self.settings.max_bounces)
            return "bounced"
        except MailConfigError as exc:  # no mail can go: free the claim, stop the round
            self._fail(claim, f"not sent: {exc}", retry_at=self.clock())
            raise
        except Exception as exc:  # a bug with this one digest: log it, retry it later
            log.exception("digest %s/%s failed", sub.id, day)
            self._deferred(claim, exc)
            return "error"
        except BaseException as exc:  # interrupted: let another worker take it at once
            self._fail(claim, f"interrupted: {exc!r}", retry_at=self.clock())
            raise

    def _claimed(self, claim: Claim, mailer: Mailer) -> str:
        sub = self.store.get_subscription(claim.subscription_id)
        if sub is None or sub.status != "active":  # unsubscribed since the list was read
            self.store.skip_digest(claim, reason="subscription not active", now=self.clock())
            return "not_active"
        digest = self.composer.compose(sub, claim.digest_date)
        if digest.count == 0 and not self.settings.send_empty_digests:
            self.store.skip_digest(claim, reason="empty", now=self.clock())
            return "empty"
        message_id = claim.message_id or digest_message_id(self.settings, sub.id,
                                                           claim.digest_date)
        message = self.renderer.digest(digest, message_id=message_id, now=self.clock())
        mailer.send(message, commit=lambda mid: self._commit(claim, mid, digest))
        if digest.updates and digest.reader_id is not None:  # shown once: now seen
            self.store.mark_watched(digest.reader_id, [u.paper.id for u in digest.updates])
        return "sent"

    def _commit(self, claim: Claim, message_id: str, digest: Digest) -> None:
        if not self.store.commit_digest(claim, message_id=message_id,
                                        paper_ids=digest.paper_ids, now=self.clock()):
            raise ClaimLost(f"digest {claim.subscription_id}/{claim.digest_date} was taken over")

    def _deferred(self, claim: Claim, exc: Exception) -> str:
        if claim.attempts >= self.settings.digest_max_attempts:
            self._fail(claim, f"gave up after {claim.attempts} attempts: {exc}", retry_at=None)
            return "gave_up"
        wait = timedelta(seconds=self.settings.digest_retry_seconds * 2 ** (claim.attempts - 1))
        self._fail(claim, f"deferred: {exc}", retry_at=self.clock() + min(wait, MAX_BACKOFF))
        return "deferred"

    def _fail(self, claim: Claim, error: str, *, retry_at: datetime | None) -> None:
        self.store.fail_digest(claim, error=error, retry_at=retry_at, now=self.clock())
