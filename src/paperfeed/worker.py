"""The scheduled loop: ingest the configured sources daily, embed new papers, send due digests.

`paperfeed worker` runs rounds every `worker_interval` seconds until SIGTERM or SIGINT, which
end it cleanly: the message in flight finishes, nothing new starts. Several workers may run
against one database; digests are claimed, so each goes out once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from paperfeed.config import Settings
from paperfeed.deliver.actions import send_digests
from paperfeed.deliver.mailer import MailError
from paperfeed.deliver.send import SendReport
from paperfeed.ingest.schedule import run_configured
from paperfeed.store import Store

log = logging.getLogger("paperfeed.worker")

INGEST_STATE = "worker.ingested_on"

__all__ = ["RoundReport", "Worker", "run_worker"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def embed_pending(store: Store, settings: Settings) -> Any:
    """Embed the papers that have no vector from the fast model (fast_embedding_model), then
    those with none from embedding_model, newest first, for at most worker_embed_seconds in
    all (the rest in later rounds)."""
    from paperfeed.index.backfill import build_models
    from paperfeed.index.blend import configured_models

    return build_models(store, configured_models(settings), seconds=settings.worker_embed_seconds)


def refresh_map(store: Store, settings: Settings) -> Any:
    """Build the corpus map when due, else place the papers embedded since."""
    from paperfeed.index.mapbuild import refresh_map as refresh

    return refresh(store, settings.embedding_model)


@dataclass
class RoundReport:
    """What one round did; `skipped` names the steps whose packages are not installed."""

    ingested: Any = None
    embedded: Any = None
    mapped: Any = None
    digests: SendReport | None = None
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Worker:
    """Runs rounds until stopped; stop() may come from a signal handler or another thread."""

    def __init__(self, settings: Settings, store: Store, *,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.settings, self.store, self.clock = settings, store, clock
        self._stop = threading.Event()

    def stop(self, *_: object) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, once: bool = False) -> list[RoundReport]:
        """Rounds until stopped (or one round with once); the reports, oldest first."""
        reports: list[RoundReport] = []
        with self._signals():
            while not self.stopping:
                reports.append(self.round())
                if once or self._stop.wait(self.settings.worker_interval):
                    break
        return reports

    def round(self) -> RoundReport:
        """One pass: ingest (once a day), embed what is pending, send what is due, map."""
        report = RoundReport()
        now = self.clock()
        steps = self.settings.worker_steps
        if "ingest" in steps and self.store.get_state(INGEST_STATE) != now.date().isoformat():
            report.ingested = self._step("ingest", run_configured, report)
            if "ingest" not in report.skipped and "ingest" not in report.errors:
                self.store.set_state(INGEST_STATE, now.date().isoformat())
        if "embed" in steps and not self.stopping:
            report.embedded = self._step("embed", embed_pending, report)
        if "digests" in steps and not self.stopping:
            report.digests = self._send(report, now)
        if "map" in steps and not self.stopping:  # after digests: a rebuild takes minutes
            report.mapped = self._step("map", refresh_map, report)
        log.info("round done: %s", report.digests.summary() if report.digests else "no digests")
        return report

    def _step(self, name: str, step: Callable[[Store, Settings], Any],
              report: RoundReport) -> Any:
        try:
            return step(self.store, self.settings)
        except ImportError as exc:  # e.g. the embedding model's package is not installed
            report.skipped.append(name)
            log.info("%s step skipped: %s", name, exc)
            return None
        except Exception as exc:  # one failing step must not stop digests going out
            report.errors.append(name)
            log.error("%s step failed: %s", name, exc)
            return None

    def _send(self, report: RoundReport, now: datetime) -> SendReport | None:
        try:
            return send_digests(self.store, self.settings, now=now, stop=lambda: self.stopping)
        except MailError as exc:  # the SMTP server refuses us: say so, try next round
            report.errors.append("digests")
            log.error("sending digests stopped: %s", exc)
            return None

    @contextmanager
    def _signals(self) -> Iterator[None]:
        """SIGTERM and SIGINT stop the loop after the current step (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)


def run_worker(settings: Settings, store: Store, *, once: bool = False) -> list[RoundReport]:
    """`paperfeed worker`: rounds until SIGTERM/SIGINT (or a single round with once)."""
    return Worker(settings, store).run(once=once)
