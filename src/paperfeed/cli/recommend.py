"""`paperfeed recommend`: papers of a window ranked by a reader's own model, for scripts and
evaluation (the same function the pages, the API and the digest use)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from paperfeed.cli.base import Context, main, pass_ctx
from paperfeed.cli.search import load_query_embedder

if TYPE_CHECKING:
    from paperfeed.models import Hit

_DATE = click.DateTime(["%Y-%m-%d"])


def _as_json(hits: list[Hit]) -> str:
    return json.dumps([{"id": h.paper.id, "title": h.paper.title, "score": round(h.score, 6),
                        "reason": h.reason} for h in hits], ensure_ascii=False, indent=2)


def _print_table(hits: list[Hit]) -> None:
    table = Table(title=f"{len(hits)} papers", title_justify="left")
    for name in ("#", "id", "title", "score", "reason"):
        table.add_column(name, overflow="fold")
    for n, hit in enumerate(hits, start=1):
        table.add_row(str(n), hit.paper.id, hit.paper.title, f"{hit.score:.3f}",
                      hit.reason or "")
    Console().print(table)


@main.command("recommend")
@click.option("--like", "liked", multiple=True, metavar="ID", help="A liked paper (repeat).")
@click.option("--dislike", "disliked", multiple=True, metavar="ID",
              help="A paper to see less like (repeat).")
@click.option("--topic", "topics", multiple=True, help="A topic of interest (repeat).")
@click.option("--category", "categories", multiple=True, help="Only this category (repeat).")
@click.option("--since", type=_DATE, required=True, help="First listing day, YYYY-MM-DD.")
@click.option("--until", type=_DATE, required=True, help="Last listing day (inclusive).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True,
              help='Print [{"id", "title", "score", "reason"}], best first.')
@pass_ctx
def recommend_command(ctx: Context, *, liked: tuple[str, ...], disliked: tuple[str, ...],
                      topics: tuple[str, ...], categories: tuple[str, ...], since: datetime,
                      until: datetime, limit: int, as_json: bool) -> None:
    """Rank the papers listed from --since to --until for a reader who likes (and dislikes)
    the given papers; liked and disliked papers are never listed."""
    from paperfeed.rank.recommend import Signals, recommend

    if until < since:
        raise click.BadParameter("must not be before --since", param_hint="--until")
    signals = Signals(liked=liked, disliked=disliked, topics=topics, categories=categories)
    counts = ctx.store.embedding_counts()  # vectors help only where the store has them
    models = (ctx.settings.embedding_model, ctx.settings.fast_embedding_model)
    embedder = load_query_embedder(ctx.settings) \
        if signals.learns and any(counts.get(m) for m in models if m) else None
    hits = recommend(ctx.store, signals, since=since.date(), until=until.date(), limit=limit,
                     embedder=embedder)
    if as_json:
        click.echo(_as_json(hits))
    else:
        _print_table(hits)
