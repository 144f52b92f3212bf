"""`paperfeed submit`: put a paper on today's daily listing for a reader, as the page does."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from paperfeed.cli.base import Context, main, pass_ctx


@main.command("submit")
@click.argument("reference")
@click.option("--by", "email", required=True, metavar="EMAIL",
              help="The reader submitting it (created if new); shown by the name they chose "
              "on /account, else reader-N.")
@pass_ctx
def submit(ctx: Context, reference: str, email: str) -> None:
    """Submit a paper by arXiv id or link (abs, pdf, versioned): it goes on today's daily
    list, fetched from the arXiv API first when this instance lacks it."""
    from paperfeed.addresses import BadAddress, normalise_address
    from paperfeed.index.derive import derive_cards
    from paperfeed.ingest.submit import SubmitRefused, submit_paper, submitter_name

    try:
        address = normalise_address(email)
    except BadAddress:
        raise click.BadParameter(f"{email!r} is not an e-mail address",
                                 param_hint="--by") from None
    store = ctx.store
    reader = store.get_or_create_reader(address)
    name = submitter_name(store, reader)
    try:
        done = submit_paper(store, ctx.settings, reference, reader_id=reader,
                            display_name=name, now=datetime.now(UTC))
    except SubmitRefused as exc:
        raise click.ClickException(f"refused ({exc.reason.replace('_', ' ')}): {exc}") from None
    derive_cards(store, ids=[done.paper.id])
    how = "fetched from arXiv and listed" if done.fetched else "listed"
    click.echo(f"{done.paper.id}: {how} today, submitted by {name}: "
               f"{done.paper.title}")
