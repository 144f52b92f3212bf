"""What the web layer loads once per app and shares (pages, API, feeds): the query embedder.

The embedder is loaded on first use, once, and kept on app.state. When its model package is
missing (or fails to load), it stays None and search degrades to keyword mode: never a 500.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from starlette.datastructures import State
from starlette.requests import Request

if TYPE_CHECKING:
    from paperfeed.index.embedder import Embedder

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


def _load(state: State) -> Embedder | None:
    settings = state.settings
    try:
        from paperfeed.index.blend import configured_models

        return configured_models(settings)
    except Exception as exc:  # a broken model must not take search down
        log.warning("semantic search is off, searching by keyword only: %s", exc)
        return None


def embedder(request: Request) -> Embedder | None:
    """The app's query embedder, loaded on first call; None when semantic search is off."""
    state = request.app.state
    if not getattr(state, "embedder_loaded", False):
        with _LOCK:
            if not getattr(state, "embedder_loaded", False):
                state.embedder = _load(state)
                state.embedder_loaded = True
    found: Embedder | None = state.embedder
    return found


def search_mode(request: Request, mode: str) -> tuple[str, Embedder | None]:
    """The mode search can honour and the embedder to use: keyword when there is none."""
    model = embedder(request) if mode != "keyword" else None
    return (mode if model is not None else "keyword"), model
