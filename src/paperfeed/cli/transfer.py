"""`paperfeed export` and `paperfeed import`: move or back up an instance as JSON lines."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import IO

import click

from paperfeed.cli.base import Context, console, main, pass_ctx, progress_bar
from paperfeed.transfer import FORMATS, WHATS, export, import_file

_WHAT = click.option("--what", type=click.Choice(WHATS), required=True,
                     help="Which records: papers, votes or subscriptions.")
_FORMAT = click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl",
                       show_default=True, help="File format (one JSON object per line).")


def _open_out(path: Path | None) -> IO[str]:
    if path is None:
        return sys.stdout
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=6)
    return path.open("w", encoding="utf-8")


@main.command("export")
@_WHAT
@_FORMAT
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (gzipped when it ends in .gz) instead of standard output.")
@pass_ctx
def export_cmd(ctx: Context, what: str, fmt: str, output: Path | None) -> None:
    """Write every paper, vote or subscription as JSON lines (restore with `import`)."""
    total = ctx.store.count_papers() if what == "papers" else None
    out = _open_out(output)
    try:
        with progress_bar(f"export {what}", total) as advance:
            count = export(ctx.store, what, out, fmt=fmt, progress=advance)
    finally:
        if out is not sys.stdout:
            out.close()
    console.print(f"exported {count} {what}" + (f" to {output}" if output else ""))


@main.command("import")
@_WHAT
@_FORMAT
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def import_cmd(ctx: Context, what: str, fmt: str, file: Path) -> None:
    """Read FILE written by `export` (plain or .gz) back in; a second run changes nothing."""
    with progress_bar(f"import {what}", None) as advance:
        report = import_file(ctx.store, what, file, fmt=fmt, progress=advance)
    click.echo(f"{what}: {report.added} added, {report.updated} updated, "
               f"{report.unchanged} unchanged, {report.skipped} skipped")
    if report.note:
        console.print(f"[yellow]note[/] {report.note}", highlight=False)
