"""create_app(settings, store): the FastAPI application and its whole route table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from paperfeed import __version__
from paperfeed.config import Settings
from paperfeed.store import Store
from paperfeed.web import api, api_hf, apidocs, feeds, pages, subscriptions
from paperfeed.web.auth import Auth
from paperfeed.web.cache import CachedPage, PageCache, VersionedStatic
from paperfeed.web.httpkit import ReadOnlyCors, validation_handler
from paperfeed.web.security import SecurityMiddleware

HERE = Path(__file__).parent


def create_app(settings: Settings, store: Store) -> FastAPI:
    """Build the app around one settings object and one store; nothing global."""
    app = FastAPI(title=settings.site_name, version=__version__,
                  docs_url=None, redoc_url=None)  # /docs: apidocs, assets served locally
    app.state.settings = settings
    app.state.store = store
    app.state.templates = pages.make_templates(HERE / "templates", settings)
    app.mount("/static", VersionedStatic(directory=HERE / "static"), name="static")
    # JSON API, Hugging Face-compatible endpoints, feeds, docs (issue 7). The HF router
    # comes before the page routes so that /papers/{id}.md is not taken for a paper page.
    app.add_middleware(ReadOnlyCors)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.include_router(api_hf.router)
    app.include_router(api.router)
    app.include_router(feeds.router)
    apidocs.install(app)
    # Pages, sign-in, votes (issue 5); /papers/{id} last, since paper ids may hold slashes.
    app.state.auth = Auth(settings, store)
    app.state.page_cache = PageCache[CachedPage](store.data_version)
    app.state.data_cache = PageCache[dict[str, Any]](store.data_version)
    pages.install(app)
    subscriptions.install(app)  # subscribe, confirm, manage, unsubscribe (issue 6)
    pages.install_paper_route(app)
    app.add_middleware(SecurityMiddleware, https=settings.base_url.startswith("https://"))
    return app
