"""create_app(settings, store): the FastAPI application and its whole route table."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from paperfeed import __version__
from paperfeed.config import Settings
from paperfeed.store import Store
from paperfeed.web import pages

HERE = Path(__file__).parent


def create_app(settings: Settings, store: Store) -> FastAPI:
    """Build the app around one settings object and one store; nothing global."""
    app = FastAPI(title=settings.site_name, version=__version__)
    app.state.settings = settings
    app.state.store = store
    app.state.templates = pages.make_templates(HERE / "templates", settings)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_api_route("/", pages.home, methods=["GET"], include_in_schema=False)
    return app
