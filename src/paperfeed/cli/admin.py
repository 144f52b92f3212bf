"""`paperfeed migrate-db`: move a whole instance between databases (SQLite <-> PostgreSQL)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from paperfeed.cli.base import console, main


@main.command("migrate-db")
@click.option("--from", "source", required=True, metavar="URL",
              help="Database to copy from, e.g. sqlite:///paperfeed.db.")
@click.option("--to", "target", required=True, metavar="URL",
              help="Empty database to copy into, e.g. postgresql://paperfeed@localhost/paperfeed.")
def migrate_db(source: str, target: str) -> None:
    """Copy everything (papers, versions, vectors, readers, votes, subscriptions, send log,
    state) from one database into a new one, then check the counts table by table."""
    from paperfeed.store.migrate_db import migrate_database

    done: dict[str, int] = {}

    def progress(table: str, rows: int) -> None:
        done[table] = done.get(table, 0) + rows
        console.print(f"  {table}: {done[table]:,} rows", end="\r", highlight=False)

    counts = migrate_database(source, target, progress=progress)
    table = Table(title="migrate-db: rows per table")
    for name in ("table", "source", "target"):
        table.add_column(name, justify="left" if name == "table" else "right")
    for c in counts:
        table.add_row(c.table, f"{c.source:,}", f"{c.target:,}")
    Console().print(table)
    click.echo(f"copied {sum(c.target for c in counts):,} rows in {len(counts)} tables; "
               "every count matches")
