"""`paperfeed map build` and `paperfeed map place`: the corpus map behind /map and /trends."""

from __future__ import annotations

import click

from paperfeed.cli.base import Context, console, main, pass_ctx


@main.group("map")
def map_group() -> None:
    """Compute the corpus map (/map) and place new papers on it."""


@map_group.command("build")
@click.option("--model", help="Embedding model whose vectors are mapped (default: setting "
              "embedding_model).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@pass_ctx
def build(ctx: Context, model: str | None, seed: int) -> None:
    """Lay out, cluster and label every embedded paper (replaces the stored map; papers on
    the previous map keep their places)."""
    from paperfeed.index.mapbuild import build_map

    report = build_map(ctx.store, model or ctx.settings.embedding_model, seed=seed,
                       log=lambda line: console.print(line, highlight=False))
    if not report.papers:
        raise click.ClickException("no paper has a vector from this model: run `paperfeed "
                                   "index` first")
    click.echo(report.summary())


@map_group.command("place")
@click.option("--model", help="Embedding model (default: setting embedding_model).")
@pass_ctx
def place(ctx: Context, model: str | None) -> None:
    """Put papers embedded since the last build beside their nearest neighbours."""
    from paperfeed.index.mapbuild import place_new

    report = place_new(ctx.store, model or ctx.settings.embedding_model)
    click.echo(report.summary() if report.placed else "nothing new to place")


@map_group.command("refresh")
@click.option("--model", help="Embedding model (default: setting embedding_model).")
@pass_ctx
def refresh(ctx: Context, model: str | None) -> None:
    """What `paperfeed worker` does: build when there is no map or it is a week old (or a
    fifth of it is new), else place what is new."""
    from paperfeed.index.mapbuild import refresh_map

    report = refresh_map(ctx.store, model or ctx.settings.embedding_model)
    click.echo(report.summary() if report.papers or report.placed else "nothing to map")
