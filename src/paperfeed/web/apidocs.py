"""Interactive API docs at /docs from Swagger UI files shipped in a PyPI package: no CDN.

The assets come from `swagger-ui-bundle-v2` (served under /docs/assets); the page loads only
same-origin scripts (no inline script), and turns off Swagger UI's remote validator badge.
Without that package /docs is a short page that points at /openapi.json.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

INIT_JS = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
    validatorUrl: null, presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"
  });
});
"""


def swagger_dir() -> Path | None:
    """The folder of Swagger UI's dist files inside the installed package, if any."""
    try:
        vendor = Path(str(files("swagger_ui_bundle") / "vendor"))
    except ModuleNotFoundError:
        return None
    found = sorted(vendor.glob("swagger-ui-*/swagger-ui-bundle.js"))
    return found[-1].parent if found else None


def _page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
            f"<title>{html.escape(title)}</title>{body}</html>")


def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, every file served from this instance."""
    title = f"{request.app.state.settings.site_name} API"
    if request.app.state.swagger_dir is None:
        return HTMLResponse(_page(title, '</head><body><h1>API</h1><p>The OpenAPI description '
                                  'is at <a href="/openapi.json">/openapi.json</a>.</p></body>'))
    return HTMLResponse(_page(title, (
        '<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body>'
        '<div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>'
        '<script src="/docs/init.js"></script></body>')))


def docs_init() -> Response:
    return Response(INIT_JS, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=86400"})
