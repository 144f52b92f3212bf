"""Server-rendered HTML pages (Jinja2, autoescaped); each handler calls the library once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paperfeed.config import Settings


def make_templates(folder: Path, settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=folder)  # autoescape on for .html
    templates.env.globals["site_name"] = settings.site_name
    return templates


def render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    """Render one template with the app's Jinja2 environment."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context)


def home(request: Request, page: int = Query(1, ge=1, le=10_000)) -> HTMLResponse:
    """The newest papers, one page at a time."""
    settings = request.app.state.settings
    store = request.app.state.store
    size = settings.page_size
    papers = store.list_papers(limit=size + 1, offset=(page - 1) * size)
    return render(request, "index.html", {
        "papers": papers[:size],
        "page": page,
        "has_next": len(papers) > size,
        "total": store.count_papers(),
    })
