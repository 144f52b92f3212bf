"""create_app(settings, store): the FastAPI application and its whole route table.

ROUTES lists every path the app answers, in the order they are matched; the order matters
where paths overlap: the Hugging Face-compatible /papers/{id}.md comes before the paper page,
and the paper page /papers/{id} comes last, since paper ids may hold slashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperfeed import __version__
from paperfeed.config import Settings
from paperfeed.deliver.links import CONFIRM_PATH, MANAGE_PATH, SIGNAL_PATH, UNSUBSCRIBE_PATH
from paperfeed.store import Store
from paperfeed.web import (
    account,
    api,
    api_collections,
    api_comments,
    api_hf,
    api_me,
    apidocs,
    authors,
    collections,
    digest_links,
    discussion,
    feeds,
    maps,
    mine,
    ops,
    pages,
    signin,
    submit,
    subscriptions,
)
from paperfeed.web.auth import Auth
from paperfeed.web.cache import CachedPage, PageCache, VersionedStatic
from paperfeed.web.httpkit import HeadAsGet, ReadOnlyCors
from paperfeed.web.limits import BodyLimit
from paperfeed.web.periods import TABS
from paperfeed.web.security import SecurityMiddleware
from paperfeed.web.templating import make_templates

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Route:
    """One path and method, answered by endpoint; pages stay out of the OpenAPI schema."""

    path: str
    endpoint: Callable[..., Any]
    method: str = "GET"
    options: dict[str, Any] = field(default_factory=lambda: {"include_in_schema": False})


def _token_pages() -> list[Route]:
    """The pages that subscriber links open: a page that asks, and the form it posts."""
    return [route
            for path, page, submit in ((CONFIRM_PATH, subscriptions.confirm_page,
                                        subscriptions.confirm_submit),
                                       (MANAGE_PATH, subscriptions.manage_page,
                                        subscriptions.manage_submit),
                                       (UNSUBSCRIBE_PATH, subscriptions.unsubscribe_page,
                                        subscriptions.unsubscribe_submit))
            for route in (Route(path + "{token}", page), Route(path + "{token}", submit, "POST"))]


ROUTES: list[APIRouter | Route] = [
    api_hf.router,  # /api/daily_papers, /api/papers/..., /papers/{id}.md
    api_me.router,  # /api/v1/papers/{id}/save|hide|more|less, /api/v1/me/...
    api_comments.router,  # /api/v1/papers/{id}/comments, /api/v1/comments/...
    api_collections.router,  # /api/v1/collections/...
    api.router,  # /api/v1/...
    Route("/feeds/for-you/{token}.{fmt}", account.private_feed),  # a reader's private feed
    feeds.router,  # /feeds/...
    Route("/healthz", ops.healthz),
    Route("/readyz", ops.readyz),
    Route("/metrics", ops.metrics),
    Route("/docs/init.js", apidocs.docs_init),
    Route("/docs", apidocs.docs_page),
    Route("/", pages.home),
    Route("/trending", pages.home),
    Route("/search", pages.search_page),
    Route("/votes", pages.vote, "POST"),
    Route("/authors/{name:path}", authors.author_page),  # every spelling of one author
    Route("/submit", submit.submit_form),  # a reader puts a paper on today's list
    Route("/submit", submit.submit_post, "POST"),
    Route("/signin", signin.signin_page),
    Route("/signin", signin.signin_submit, "POST"),
    Route("/signin/verify", signin.verify_page),
    Route("/signin/verify", signin.verify_submit, "POST"),
    Route("/signout", signin.signout, "POST"),
    *[route for tab in TABS for route in (Route(f"/{tab}", pages.period_latest),
                                          Route(f"/{tab}/{{slug}}", pages.period_page))],
    Route("/subscribe", subscriptions.subscribe_form),
    Route("/subscribe", subscriptions.subscribe_submit, "POST"),
    Route("/api/v1/subscriptions", subscriptions.subscribe_api, "POST", {
        "status_code": 202, "tags": ["subscriptions"],
        "summary": "Subscribe an address to the digest (double opt-in)"}),
    *_token_pages(),
    Route(SIGNAL_PATH + "{token}", digest_links.signal_page),  # a digest item's more / less
    Route(SIGNAL_PATH + "{token}", digest_links.signal_submit, "POST"),
    # the reader's own feed, signals and data
    Route("/signals", mine.signal_form, "POST"),
    Route("/follow", mine.follow_form, "POST"),
    Route("/for-you", mine.for_you_page),
    Route("/onboarding", mine.onboarding_page),
    Route("/onboarding", mine.interests_form, "POST"),
    Route("/import", mine.import_form, "POST"),
    Route("/saved", account.saved_page),
    Route("/saved/seen", account.saved_seen, "POST"),
    Route("/saved.{fmt}", account.saved_export),
    Route("/account", account.account_page),
    Route("/account/export.json", account.account_export),
    Route("/account/feed-token", account.new_feed_token, "POST"),
    Route("/account/delete", account.delete_account, "POST"),
    # the discussion under each paper (forms; api_comments is the JSON side)
    Route("/comments", discussion.comment_form, "POST"),
    Route("/comments/{comment_id}/edit", discussion.edit_form, "POST"),
    Route("/comments/{comment_id}/delete", discussion.delete_form, "POST"),
    Route("/comments/{comment_id}/hide", discussion.hide_form, "POST"),
    Route("/moderation/block", discussion.block_form, "POST"),
    Route("/account/profile", discussion.profile_form, "POST"),
    # readers' collections (reading lists); api_collections is the JSON side
    Route("/collections", collections.mine_page),
    Route("/collections", collections.create_form, "POST"),
    Route("/collections/add", collections.add_form, "POST"),
    Route("/collections/{collection_id}.{fmt}", collections.collection_export),
    Route("/collections/{collection_id}", collections.collection_page),
    Route("/collections/{collection_id}/edit", collections.edit_form, "POST"),
    Route("/collections/{collection_id}/delete", collections.delete_form, "POST"),
    Route("/collections/{collection_id}/items", collections.item_form, "POST"),
    # the corpus map and what is rising
    Route("/map", maps.map_page),
    Route("/map/data.json", maps.map_data),
    Route("/map/overlay.json", maps.map_overlay),
    Route("/map/point.json", maps.map_point),
    Route("/map/clusters/{cluster}", maps.cluster_page),
    Route("/trends", maps.trends_page),
    Route("/papers/{paper_id:path}", pages.paper_page),  # last: ids may hold slashes
]


def create_app(settings: Settings, store: Store) -> FastAPI:
    """Build the app around one settings object and one store; nothing global."""
    app = FastAPI(title=settings.site_name, version=__version__,
                  docs_url=None, redoc_url=None)  # /docs: apidocs, assets served locally
    app.state.settings = settings
    app.state.store = store
    app.state.templates = make_templates(HERE / "templates", settings)
    app.state.auth = Auth(settings, store)
    app.state.page_cache = PageCache[CachedPage](store.data_version)
    app.state.data_cache = PageCache[dict[str, Any]](store.data_version)
    app.state.swagger_dir = apidocs.swagger_dir()
    app.mount("/static", VersionedStatic(directory=HERE / "static"), name="static")
    if app.state.swagger_dir is not None:
        app.mount("/docs/assets", StaticFiles(directory=app.state.swagger_dir),
                  name="docs-assets")
    for entry in ROUTES:
        if isinstance(entry, APIRouter):
            app.include_router(entry)
        else:
            app.add_api_route(entry.path, entry.endpoint, methods=[entry.method],
                              **entry.options)
    app.add_exception_handler(StarletteHTTPException, pages.http_error)
    app.add_exception_handler(RequestValidationError, pages.invalid_request)
    app.add_middleware(ReadOnlyCors)
    app.add_middleware(SecurityMiddleware, https=settings.base_url.startswith("https://"))
    app.add_middleware(BodyLimit)
    app.add_middleware(HeadAsGet)
    ops.install(app)  # request metrics: outermost, so it times everything
    return app
