"""`paperfeed ingest ...`: import papers from files and upstream sources."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from paperfeed.cli.base import Context, console, main, pass_ctx, progress_bar
from paperfeed.models import IngestReport


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


def _count_lines(path: Path) -> int | None:
    """Lines in a plain file, for the progress total (None for gzip: unknown up front)."""
    from paperfeed.ingest.jsonl import open_lines

    if path.suffix == ".gz":
        return None
    with open_lines(path) as f:
        return sum(1 for _ in f)


@ingest.command("jsonl")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Stop at the first malformed record.")
@pass_ctx
def ingest_jsonl(ctx: Context, file: Path, strict: bool) -> None:
    """Import FILE in paperfeed's JSONL format (plain or .gz; see README)."""
    from paperfeed.ingest.jsonl import SOURCE, read_jsonl
    from paperfeed.ingest.run import import_records

    with progress_bar(file.name, _count_lines(file)) as advance:
        report = import_records(ctx.store, read_jsonl(file), source=SOURCE, strict=strict,
                                progress=advance)
    print_report(report)


