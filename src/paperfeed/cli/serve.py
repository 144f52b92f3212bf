"""`paperfeed serve`: the web page, JSON API and feeds under uvicorn."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from paperfeed.cli.base import Context, main, pass_ctx
from paperfeed.config import CONFIG_ENV, check_secret
from paperfeed.logs import setup_logging
from paperfeed.store import display_url

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client in each worker


@main.command()
@click.option("--host", help="Address to listen on (default: setting `host`).")
@click.option("--port", type=int, help="Port to listen on (default: setting `port`).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Web worker processes.")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web page, the JSON API and the feeds."""
    import uvicorn

    settings = ctx.settings
    check_secret(settings, host or settings.host)
    ctx.store.close()  # migrate now, and fail now if the database is unusable
    if ctx.config_file:  # worker processes load settings themselves, from the same file
        os.environ[CONFIG_ENV] = str(Path(ctx.config_file).resolve())
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):  # /metrics sums every worker's
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="paperfeed-metrics-")
    click.echo(f"paperfeed serving {display_url(settings.database_url)} at "
               f"http://{host or settings.host}:{port or settings.port}", err=True)
    setup_logging(settings)
    uvicorn.run("paperfeed.web.asgi:app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_level="warning",
                log_config=None)
