"""The `paperfeed` group, the context every command gets, and shared terminal helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from paperfeed import __version__
from paperfeed.config import Settings, load_settings, make_secret
from paperfeed.errors import PaperfeedError
from paperfeed.store import Store, display_url, open_store

if TYPE_CHECKING:
    from paperfeed.ingest.run import Progress as Tracker

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
            self._store = open_store(self.settings.database_url,
                                     pool_size=self.settings.database_pool_size)
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
    from paperfeed.index.embedder import use_cache_dir  # (numpy: not for --help)

    try:
        ctx.obj = Context(load_settings(config_file), config_file)
        use_cache_dir(ctx.obj.settings.model_cache_dir)
    except PaperfeedError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Create the database (or bring its schema up to date)."""
    store = open_store(ctx.settings.database_url, migrate=False)
    applied = store.migrate()
    done = f"applied {', '.join(applied)}" if applied else "schema already up to date"
    click.echo(f"{display_url(store.url)}: {done}")
    made = make_secret(ctx.settings)
    if made is not None:
        click.echo(f"generated a secret key for this instance in {made} (set "
                   "PAPERFEED_SECRET_KEY to use another)")


class RecordRate(ProgressColumn):
    """Records handled and records per second (whatever unit the bar itself counts)."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        records = int(task.fields.get("records", 0))
        rate = f"{records / elapsed:,.0f} rec/s" if elapsed > 0.5 else ""
        return Text(f"{records:,} records {rate}", style="cyan")


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Tracker]:
    """A rich progress bar (rate and ETA) whose update function the library calls: by
    records, or by how far it is (done of total) in the source's own units."""
    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               RecordRate(), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total, records=0)

        def update(records: int, *, done: int | None = None, total: int | None = None) -> None:
            count = int(bar.tasks[task].fields["records"]) + records
            if done is None:
                bar.update(task, advance=records, records=count)
            else:
                bar.update(task, completed=done, total=total, records=count)

        yield update


STEP_LABELS = {"vectors": "vectors (searchable when done)",
               "keyword": "keyword index (big archives)",
               "openings": "openings in stems (topic matches)",
               "spelling": "spelling vocabulary",
               "cards": "cards and author keys", "terms": "term rows (reader's model)"}


@contextmanager
def step_bars(model: str | None = None) -> Iterator[Callable[[str, int | None],
                                                             Callable[[int], None]]]:
    """One progress bar per step of `paperfeed index`, each added as its step starts: the
    function given is index.build's StepStart."""
    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               RecordRate(), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as bar:
        def start(step: str, total: int | None) -> Callable[[int], None]:
            for earlier in bar.task_ids:  # its clock (and rate) stops where the step ended
                bar.stop_task(earlier)
            step, _, named = step.partition(":")  # "vectors:<model>" when several models
            label = STEP_LABELS.get(step, step)
            if step == "vectors" and (named or model):
                label = f"{label} ({named or model})"
            task = bar.add_task(label, total=total, records=0)
            if total == 0:  # nothing to do: shown as done
                bar.update(task, completed=1, total=1)

            def advance(papers: int) -> None:
                count = int(bar.tasks[task].fields["records"]) + papers
                bar.update(task, advance=papers, records=count)

            return advance

        yield start
