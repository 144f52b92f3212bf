"""Templating: the Jinja2 environment (autoescaped) and rendering a template for a request.

Every HTML surface (pages, sign-in, subscriptions, error pages) renders through here, with
the signed-in reader and the current path in the context.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paperfeed.config import Settings
from paperfeed.store.social import MAX_COMMENT_CHARS
from paperfeed.web import periods
from paperfeed.web.auth import current_reader
from paperfeed.web.cardview import author_url
from paperfeed.web.markdown import render_markdown
from paperfeed.web.security import csrf_field
from paperfeed.web.social import is_admin
from paperfeed.web.text import link_label, rich_text, safe_href

_DOM_ID = re.compile(r"[^A-Za-z0-9_.-]")


def paper_url(paper_id: str) -> str:
    """The paper page's path (ids may hold slashes, kept as they are)."""
    return "/papers/" + quote(paper_id, safe="/:")


def dom_id(paper_id: str) -> str:
    """An HTML id for a paper's entry (anchors after a vote)."""
    return _DOM_ID.sub("-", paper_id)


def make_templates(folder: Path, settings: Settings) -> Jinja2Templates:
    """The Jinja2 environment (autoescape on) with the helpers every template uses."""
    templates = Jinja2Templates(directory=folder)
    env = templates.env
    static = folder.parent / "static"
    versions = {p.name: hashlib.blake2b(p.read_bytes(), digest_size=4).hexdigest()
                for p in static.iterdir() if p.is_file()}
    env.globals.update(
        site_name=settings.site_name, csrf_field=csrf_field, paper_url=paper_url, dom_id=dom_id,
        safe_href=safe_href, link_label=link_label, nice_date=periods.nice_date,
        author_url=author_url,
        static_url=lambda name: f"/static/{name}?v={versions.get(name, '0')}",
        markdown=render_markdown, comment_cap=MAX_COMMENT_CHARS,
        is_admin=lambda reader: is_admin(settings, reader),
        when=lambda iso: periods.nice_date(date.fromisoformat(iso[:10])) + " " + iso[11:16],
        rich=lambda text, terms=(), compact=False, links=False: rich_text(
            text or "", tuple(terms), display=not compact, links=links))
    return templates


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + ("?" + query if query else "")


def render_html(request: Request, template: str, context: dict[str, Any]) -> str:
    """One template rendered with the request, the reader and the current path."""
    templates: Jinja2Templates = request.app.state.templates
    full = {"request": request, "reader": current_reader(request), "here": _here(request)}
    return templates.get_template(template).render(full | context)


def render(request: Request, template: str, context: dict[str, Any],
           status: int = 200) -> HTMLResponse:
    """The rendered template as a response that no shared cache keeps."""
    return HTMLResponse(render_html(request, template, context), status_code=status,
                        headers={"Cache-Control": "private, no-cache"})
