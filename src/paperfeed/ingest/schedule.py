"""Run the configured upstream sources once (what the worker calls every day)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from paperfeed.config import Settings
from paperfeed.errors import IngestError
from paperfeed.models import IngestReport
from paperfeed.store import Store

log = logging.getLogger("paperfeed.ingest")


@dataclass(frozen=True)
class SourceRun:
    """What one source did in a scheduled run: its report, or why it failed."""

    source: str
    report: IngestReport | None = None
    error: str | None = None


def _arxiv(store: Store, settings: Settings) -> IngestReport:
    from paperfeed.ingest import arxiv_api

    return arxiv_api.harvest(store, settings, settings.categories)


def _oai(store: Store, settings: Settings) -> list[IngestReport]:
    from paperfeed.ingest import oai_pmh

    sets = dict.fromkeys(c.split(".", 1)[0] for c in settings.categories)
    return [oai_pmh.harvest(store, settings, s, categories=settings.categories) for s in sets]


def _hf(store: Store, settings: Settings) -> IngestReport:
    from paperfeed.ingest import hf_daily

    return hf_daily.harvest(store, settings)


RUNNERS: dict[str, Callable[[Store, Settings], IngestReport | list[IngestReport]]] = {
    "arxiv_api": _arxiv, "oai_pmh": _oai, "hf_daily": _hf,
}


def run_configured(store: Store, settings: Settings) -> list[SourceRun]:
    """Each source in `ingest_sources`, incrementally (each remembers how far it got).
    A failing source is logged and reported, and the others still run; sources that need
    categories are skipped when none are configured."""
    runs = []
    for name in settings.ingest_sources:
        if name in ("arxiv_api", "oai_pmh") and not settings.categories:
            log.info("ingest %s skipped: no `categories` configured", name)
            continue
        try:
            done = RUNNERS[name](store, settings)
        except IngestError as exc:
            log.error("ingest %s failed: %s", name, exc)
            runs.append(SourceRun(name, error=str(exc)))
            continue
        for report in done if isinstance(done, list) else [done]:
            log.info("ingest %s: %s", name, summary(report))
            runs.append(SourceRun(name, report))
    return runs


def summary(report: IngestReport) -> str:
    r = report.result
    return (f"{r.new} new, {r.updated} updated, {r.unchanged} unchanged, "
            f"{len(report.rejected)} rejected")
