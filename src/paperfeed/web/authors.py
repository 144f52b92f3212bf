"""Author pages: every paper of one author, whatever the spelling, newest first, with
co-authors and categories; which spellings were merged (and which were not) is shown."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Query, Request
from fastapi.responses import Response

from paperfeed.index.authors import author_key, same_person
from paperfeed.rank.hits import hits_for
from paperfeed.web import views
from paperfeed.web.cardview import author_url
from paperfeed.web.pages import cached_page

MAX_NAME = 200


def author_view(view: views.Viewer, name: str, page: int) -> dict[str, Any] | None:
    """The page's data; None (a 404) when no paper has an author under the name's key."""
    key = author_key(name)
    if not key:
        return None
    spellings = view.store.author_profile(key, limit=0).spellings
    merged = [(s, n) for s, n in spellings if same_person(name, s)]
    if not merged:
        return None
    others = [(s, n) for s, n in spellings if not same_person(name, s)]
    size = view.settings.page_size
    profile = view.store.author_profile(key, names=[s for s, _ in merged] if others else None,
                                        limit=size + 1, offset=(page - 1) * size)
    hits = hits_for(view.store, [(pid, 0.0) for pid in profile.paper_ids])
    asked = " ".join(name.split())
    # The name as asked when it is a spelling; else the commonest, the fullest of equals.
    shown = asked if any(s == asked for s, _ in merged) else \
        max(merged, key=lambda m: (m[1], len(m[0])))[0]
    return {
        "name": shown, "spellings": merged, "others": others, "total": profile.total,
        "hits": hits[:size], "has_next": len(hits) > size, "page": page, "voted": set(),
        "coauthors": profile.coauthors, "categories": profile.categories,
        "search_url": "/search?" + urlencode({"q": f'author:"{shown}"', "sort": "date"}),
        "page_url": lambda n: author_url(name) + (f"?page={n}" if n > 1 else ""),
    }


async def author_page(request: Request, name: str, page: int = Query(1, ge=1, le=1000)
                      ) -> Response:
    """/authors/<name>: the author's papers newest first, co-authors, categories."""
    if len(name) > MAX_NAME:
        raise HTTPException(404, "There is no such author.")
    return await cached_page(request, "author.html",
                             lambda view: author_view(view, name, page))
