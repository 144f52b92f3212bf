"""The `paperfeed` command: each subcommand is a thin shell over one library call."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from paperfeed import __version__
from paperfeed.config import CONFIG_ENV, Settings, load_settings
from paperfeed.errors import PaperfeedError
from paperfeed.models import IngestReport
from paperfeed.store import Store, open_store

console = Console(stderr=True)


class Context:
    """What every command receives: the settings, and the store opened on first use."""

    def __init__(self, settings: Settings, config_file: str | None) -> None:
        self.settings = settings
        self.config_file = config_file
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings.database_url)
        return self._store


pass_ctx = click.make_pass_decorator(Context)


class FriendlyGroup(click.Group):
    """Turns paperfeed's own errors into one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PaperfeedError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              envvar="PAPERFEED_CONFIG", help="TOML settings file (default ./paperfeed.toml "
              "if present). PAPERFEED_* environment variables override it.")
@click.version_option(__version__, prog_name="paperfeed")
@click.pass_context
def main(ctx: click.Context, config_file: str | None) -> None:
    """paperfeed: a self-hosted research-paper feed.

    Typical start: `paperfeed init`, `paperfeed ingest jsonl data/sample_papers.jsonl`,
    `paperfeed serve`.
    """
    try:
        ctx.obj = Context(load_settings(config_file), config_file)
    except PaperfeedError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the database (or bring its schema up to date)."""
    store = open_store(ctx.settings.database_url, migrate=False)
    applied = store.migrate()
    done = f"applied {', '.join(applied)}" if applied else "schema already up to date"
    click.echo(f"{store.url}: {done}")


@main.group()
def ingest() -> None:
    """Import papers from a file or an upstream source."""


class RateColumn(ProgressColumn):
    """Records per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} rec/s" if task.speed else "", style="cyan")


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar (rate and ETA) whose advance function the library calls."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TaskProgressColumn(), RateColumn(), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


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


@main.command()
@click.option("--host", help="Address to listen on (default: setting `host`).")
@click.option("--port", type=int, help="Port to listen on (default: setting `port`).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Web worker processes.")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web page, the JSON API and the feeds."""
    import uvicorn

    ctx.store.close()  # migrate now, and fail now if the database is unusable
    settings = ctx.settings
    if ctx.config_file:  # worker processes load settings themselves, from the same file
        os.environ[CONFIG_ENV] = str(Path(ctx.config_file).resolve())
    click.echo(f"paperfeed serving {settings.database_url} at "
               f"http://{host or settings.host}:{port or settings.port}", err=True)
    uvicorn.run("paperfeed.web.asgi:app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_level="warning")
