"""`paperfeed subscribers ...`, `paperfeed digest ...` and `paperfeed worker`: digests by e-mail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from paperfeed.cli.base import Context, console, main, pass_ctx, progress_bar
from paperfeed.store import display_url

_DATE = click.DateTime(["%Y-%m-%d"])
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@main.group()
def subscribers() -> None:
    """Add, list and remove digest subscribers."""


@subscribers.command("add")
@click.argument("email")
@click.option("--topic", "topics", multiple=True, help="A free-text topic query (repeatable), "
              "e.g. 'protein design -diffusion'.")
@click.option("--category", "categories", multiple=True, help="An arXiv category "
              "(repeatable), e.g. cs.LG.")
@click.option("--frequency", type=click.Choice(["daily", "weekly"]), default="daily",
              show_default=True)
@click.option("--weekday", default="monday", show_default=True,
              help="Day of weekly digests (name or 0-6, Monday = 0).")
@click.option("--hour", "send_hour", type=click.IntRange(0, 23),
              help="Local hour digests go out at (default: setting digest_send_hour).")
@click.option("--timezone", help="IANA time zone, e.g. Europe/Paris (default: setting "
              "digest_timezone).")
@click.option("--confirmed", is_flag=True, help="Skip the opt-in mail: the subscriber is "
              "active at once (for admins who have the subscriber's consent).")
@pass_ctx
def subscribers_add(ctx: Context, /, email: str, **options: Any) -> None:
    """Subscribe EMAIL (a confirmation mail is sent unless --confirmed)."""
    from paperfeed.deliver.actions import add_subscriber

    out = add_subscriber(ctx.store, ctx.settings, email, **options)
    sub = out.subscription
    what = "added" if out.created else "already subscribed"
    mail = "; confirmation mail sent" if out.mailed else ""
    click.echo(f"{sub.email}: {what} ({sub.status}){mail}")


@subscribers.command("list")
@click.option("--status", type=click.Choice(["pending", "active", "paused", "unsubscribed",
                                             "bouncing"]), help="Only this status.")
@pass_ctx
def subscribers_list(ctx: Context, status: str | None) -> None:
    """Every subscriber with status, schedule and topics."""
    table = Table(title="subscribers", title_justify="left")
    for name in ("email", "status", "schedule", "topics", "categories", "last digest"):
        table.add_column(name, overflow="fold")
    after = 0
    while page := ctx.store.list_subscriptions(status=status, after_id=after):
        for s in page:
            p = s.prefs
            when = ("daily" if p.frequency == "daily" else
                    f"weekly ({_DAYS[p.weekday]})")
            table.add_row(s.email, s.status, f"{when} {p.send_hour:02d}h {p.timezone}",
                          "; ".join(p.topics), ", ".join(p.categories),
                          s.last_digest_date.isoformat() if s.last_digest_date else "")
        after = page[-1].id
    Console().print(table)


@subscribers.command("remove")
@click.argument("email")
@pass_ctx
def subscribers_remove(ctx: Context, email: str) -> None:
    """Delete EMAIL's subscription and its digest history."""
    from paperfeed.deliver.subscriptions import remove

    click.echo(f"{remove(ctx.store, email).email}: removed")


@main.group()
def digest() -> None:
    """Preview and send the e-mail digests."""


@digest.command("preview")
@click.option("--email", required=True, help="The subscriber whose digest to show.")
@click.option("--html", is_flag=True, help="Show the HTML part instead of headers and text.")
@click.option("--date", "day", type=_DATE, help="The digest of this day (default: today in "
              "the subscriber's time zone).")
@pass_ctx
def digest_preview(ctx: Context, email: str, html: bool, day: datetime | None) -> None:
    """Show exactly what EMAIL would get; nothing is sent or recorded."""
    from paperfeed.deliver.actions import preview_digest

    click.echo(preview_digest(ctx.store, ctx.settings, email, day=_day(day), html=html),
               nl=False)


@digest.command("send")
@click.option("--date", "day", type=_DATE, help="Send day D's digests to every subscription "
              "due that day, whatever the hour (catch-up).")
@pass_ctx
def digest_send(ctx: Context, day: datetime | None) -> None:
    """Send the digests due now (send hour passed in each subscriber's time zone)."""
    from paperfeed.deliver.actions import send_digests

    with progress_bar("digests", None) as advance:
        report = send_digests(ctx.store, ctx.settings, day=_day(day), progress=advance)
    click.echo(f"digests: {report.summary()}")
    if report.deferred:
        console.print(f"{report.deferred} deferred by the SMTP server; the worker (or a later "
                      "`paperfeed digest send`) retries them")


@main.command()
@click.option("--once", is_flag=True, help="Run one round and exit.")
@pass_ctx
def worker(ctx: Context, once: bool) -> None:
    """Ingest, embed and send digests on schedule until SIGTERM (or Ctrl-C)."""
    from paperfeed.config import check_secret
    from paperfeed.logs import setup_logging
    from paperfeed.worker import run_worker

    check_secret(ctx.settings)  # the worker mails signed manage and unsubscribe links
    setup_logging(ctx.settings)
    click.echo(f"paperfeed worker on {display_url(ctx.settings.database_url)}", err=True)
    run_worker(ctx.settings, ctx.store, once=once)
