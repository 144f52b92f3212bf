"""`paperfeed ingest ...`: import papers from files and upstream sources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from paperfeed.cli.base import Context, console, main, pass_ctx, progress_bar
from paperfeed.ingest.run import IngestAborted
from paperfeed.ingest.run import Progress as Tracker
from paperfeed.models import IngestReport

STRICT = click.option("--strict", is_flag=True,
                      help="Stop at the first malformed record (earlier batches stay).")
DAY = click.DateTime(formats=["%Y-%m-%d"])


@main.group()
def ingest() -> None:
    """Import papers from a file or an upstream source."""


def print_report(report: IngestReport, max_rejects: int = 20) -> None:
    """The summary every ingest prints: counts, then where the rejects came from."""
    r = report.result
    table = Table(title=f"ingest {report.source}")
    for name in ("new", "updated", "unchanged", "rejected"):
        table.add_column(name, justify="right")
    table.add_row(str(r.new), str(r.updated), str(r.unchanged), str(len(report.rejected)))
    Console().print(table)
    for bad in report.rejected[:max_rejects]:
        console.print(f"[yellow]rejected[/] {bad.where}: {bad.reason}", highlight=False)
    if len(report.rejected) > max_rejects:
        console.print(f"... and {len(report.rejected) - max_rejects} more rejected records")


def _run(label: str, total: int | None, call: Callable[[Tracker], IngestReport]) -> None:
    """Run one library call under a progress bar; print its summary, also when it stopped
    part-way (then exit non-zero with its message: what failed, how to resume)."""
    try:
        with progress_bar(label, total) as tracker:
            report = call(tracker)
    except IngestAborted as exc:
        print_report(exc.report)
        raise click.ClickException(str(exc)) from None
    print_report(report)


def _count_lines(path: Path) -> int | None:
    """Lines in a plain file, for the progress total (None for gzip: unknown up front)."""
    from paperfeed.ingest.jsonl import is_gzip

    if is_gzip(path):
        return None
    with path.open("rb") as f:
        return sum(1 for _ in f)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@ingest.command("jsonl")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@STRICT
@pass_ctx
def ingest_jsonl(ctx: Context, file: Path, strict: bool) -> None:
    """Import FILE in paperfeed's JSONL format (plain or .gz; see README)."""
    from paperfeed.ingest.jsonl import SOURCE, read_jsonl
    from paperfeed.ingest.run import import_records

    _run(file.name, _count_lines(file), lambda tracker: import_records(
        ctx.store, read_jsonl(file), source=SOURCE, strict=strict, progress=tracker))


@ingest.command("snapshot")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category-prefix", metavar="PREFIX",
              help="Only papers with a category starting with PREFIX (e.g. cs.).")
@click.option("--restart", is_flag=True, help="Start from the first line even if an "
              "earlier import of this file stopped part-way.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=5000,
              show_default=True, help="Papers per transaction.")
@STRICT
@pass_ctx
def ingest_snapshot(ctx: Context, file: Path, *, category_prefix: str | None, restart: bool,
                    batch_size: int, strict: bool) -> None:
    """Import the arXiv metadata snapshot FILE (arxiv-metadata-oai-snapshot.json, plain or
    gzipped). An interrupted import resumes where it stopped when run again."""
    from paperfeed.ingest.snapshot import import_snapshot

    _run(f"{file.name} (bytes)", file.stat().st_size, lambda tracker: import_snapshot(
        ctx.store, file, category_prefix=category_prefix, strict=strict, restart=restart,
        batch_size=batch_size, progress=tracker))


@ingest.command("arxiv")
@click.option("--category", "categories", multiple=True, metavar="CAT",
              help="arXiv category (repeatable; `cs` means all of cs). Default: the "
              "`categories` setting.")
@click.option("--since", type=DAY, help="First submission day (default: where the last "
              "run got, or a week back).")
@click.option("--until", type=DAY, help="Last submission day (default: today).")
@click.option("--page-size", type=click.IntRange(1, 2000), default=200, show_default=True)
@STRICT
@pass_ctx
def ingest_arxiv(ctx: Context, *, categories: tuple[str, ...], since: datetime | None,
                 until: datetime | None, page_size: int, strict: bool) -> None:
    """Fetch recent papers of some categories from the arXiv API, newest first."""
    from paperfeed.ingest import arxiv_api

    cats = list(categories) or ctx.settings.categories
    _run("arXiv API", None, lambda tracker: arxiv_api.harvest(
        ctx.store, ctx.settings, cats, since=_day(since), until=_day(until), strict=strict,
        page_size=page_size, progress=tracker))


@ingest.command("oai")
@click.option("--set", "set_spec", required=True, metavar="SET",
              help="OAI set: an archive such as cs, math, physics:hep-th.")
@click.option("--from", "since", type=DAY, help="From this datestamp (default: where the "
              "last complete harvest of the set got).")
@click.option("--until", type=DAY, help="Up to this datestamp.")
@click.option("--metadata-prefix", type=click.Choice(["arXivRaw", "arXiv"]),
              default="arXivRaw", show_default=True,
              help="arXivRaw has every version; arXiv has author affiliations.")
@click.option("--category", "categories", multiple=True, metavar="CAT",
              help="Keep only papers in this category (repeatable).")
@click.option("--restart", is_flag=True, help="Ignore a saved resumption point.")
@STRICT
@pass_ctx
def ingest_oai(ctx: Context, *, set_spec: str, since: datetime | None, until: datetime | None,
               metadata_prefix: str, categories: tuple[str, ...], restart: bool,
               strict: bool) -> None:
    """Harvest a whole set incrementally over OAI-PMH (ListRecords, resumable)."""
    from paperfeed.ingest import oai_pmh

    _run(f"OAI-PMH {set_spec}", None, lambda tracker: oai_pmh.harvest(
        ctx.store, ctx.settings, set_spec, metadata_prefix=metadata_prefix, since=_day(since),
        until=_day(until), categories=categories, strict=strict, restart=restart,
        progress=tracker))


@ingest.command("hf-daily")
@click.option("--date", "dates", type=DAY, multiple=True,
              help="Day to fetch (repeatable; default: since the last run through today).")
@STRICT
@pass_ctx
def ingest_hf_daily(ctx: Context, dates: tuple[datetime, ...], strict: bool) -> None:
    """Fetch Hugging Face daily papers with their upvotes and GitHub links."""
    from paperfeed.ingest import hf_daily

    days = [d.date() for d in dates]
    _run("HF daily papers", None, lambda tracker: hf_daily.harvest(
        ctx.store, ctx.settings, days, strict=strict, progress=tracker))

