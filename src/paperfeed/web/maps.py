"""/map (the corpus as a map), its data and overlays, cluster pages, and /trends.

The page works without script: it says what the map is and lists the clusters, and a search
lists its matches; static/map.js draws the points on a canvas from /map/data.json (cached
per map version) and highlights an overlay from /map/overlay.json.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from paperfeed.errors import NotFound
from paperfeed.rank.hits import hits_for
from paperfeed.rank.search import matching_ids
from paperfeed.rank.similar import similar
from paperfeed.web import readers, trendviews, views
from paperfeed.web.auth import current_reader
from paperfeed.web.deps import embedder
from paperfeed.web.mapdata import PayloadCache
from paperfeed.web.pages import PageNo, cached_page

LISTED = 20  # matches listed under the map
FOR_YOU_DAYS, FOR_YOU_MARKED = 7, 100  # the For you overlay: a week's best papers
CLUSTER_PAGE = 50
Q = Query("", max_length=500)
ID = Query("", max_length=300)


def _payloads(request: Request) -> PayloadCache:
    state = request.app.state
    if not hasattr(state, "map_payloads"):
        state.map_payloads = PayloadCache()
    cache: PayloadCache = state.map_payloads
    return cache


def _map_context(view: views.Viewer, q: str, similar_to: str, model: Any) -> dict[str, Any]:
    store = view.store
    clusters = sorted(store.map_clusters(), key=lambda c: (-c.size, c.id))
    context: dict[str, Any] = {"clusters": clusters, "version": store.map_version(),
                               "q": q, "similar_to": similar_to, "overlay": None}
    if q.strip():
        ids = matching_ids(store, q, model)
        context["overlay"] = {"kind": "search", "count": len(ids),
                              "hits": hits_for(store, [(i, 0.0) for i in ids[:LISTED]])}
    elif similar_to:
        paper = store.get_paper(similar_to)
        if paper is None:
            return context | {"missing": similar_to}
        found = similar(store, similar_to, limit=LISTED, embedder=model)
        context["overlay"] = {"kind": "similar", "paper": paper, "count": len(found),
                              "hits": found}
    where = store.map_coordinates([h.paper.id for h in (context["overlay"] or {}).get(
        "hits", [])])
    names = {c.id: c.label for c in clusters}
    context["cluster_of"] = {pid: (c, names.get(c, "")) for pid, (_, _, c) in where.items()}
    return context


async def map_page(request: Request, q: str = Q, similar_to: str = Query(
        "", alias="similar", max_length=300)) -> Response:
    """The map page: explanation and clusters for everyone, the canvas for script."""
    model = embedder(request) if q.strip() or similar_to else None
    return await cached_page(request, "map.html",
                             lambda v: _map_context(v, q, similar_to, model))


async def map_data(request: Request) -> Response:
    """The whole map as compact JSON (ids and quantised points), gzipped when accepted."""
    payload = await run_in_threadpool(_payloads(request).get, request.app.state.store)
    if payload is None:
        raise HTTPException(404, "There is no map yet: run `paperfeed map build`.")
    headers = {"ETag": payload.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == payload.etag:
        return Response(status_code=304, headers=headers)
    body = payload.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = payload.gzipped, "gzip"
    return Response(body, headers=headers, media_type="application/json")


async def map_overlay(request: Request, q: str = Q, similar_to: str = Query(
        "", alias="similar", max_length=300), mine: str = Query(
        "", pattern="^(|saved|foryou)$")) -> Response:
    """Ids to highlight: a search's matches, a paper and its similar papers, or the
    signed-in reader's saved papers or For you list of the last week (private: never
    cached by others)."""
    store = request.app.state.store
    if mine:
        reader = current_reader(request)
        if reader is None:
            return JSONResponse({"ids": [], "signin": True}, status_code=401)
        signals = await run_in_threadpool(readers.signals, store, reader.id)
        if mine == "saved":
            ids = list(signals.saved)
        else:
            hits = await run_in_threadpool(lambda: readers.feed(
                request, signals, days=FOR_YOU_DAYS, limit=FOR_YOU_MARKED))
            ids = [h.paper.id for h in hits]
        return JSONResponse({"ids": ids}, headers={"Cache-Control": "private, no-store"})
    model = embedder(request)
    if q.strip():
        ids = await run_in_threadpool(matching_ids, store, q, model)
    elif similar_to:
        try:
            found = await run_in_threadpool(lambda: similar(store, similar_to, limit=LISTED,
                                                            embedder=model))
        except NotFound:
            raise HTTPException(404, "There is no such paper.") from None
        ids = [similar_to, *(h.paper.id for h in found)]
    else:
        ids = []
    return JSONResponse({"ids": ids}, headers={"Cache-Control": "no-cache"})


async def map_point(request: Request, paper_id: str = Query(..., alias="id",
                                                            max_length=300)) -> Response:
    """One point's title and cluster, for the map's hover label."""
    store = request.app.state.store
    paper = await run_in_threadpool(store.get_paper, paper_id)
    if paper is None:
        raise HTTPException(404, "There is no such paper.")
    return JSONResponse({"id": paper.id, "title": paper.title,
                         "day": paper.day.isoformat() if paper.day else None},
                        headers={"Cache-Control": "public, max-age=3600"})


def _cluster_context(view: views.Viewer, cluster: int, page: int) -> dict[str, Any] | None:
    store = view.store
    found = [c for c in store.map_clusters() if c.id == cluster]
    if not found:
        return None
    ids = store.cluster_paper_ids(cluster, limit=CLUSTER_PAGE + 1,
                                  offset=(page - 1) * CLUSTER_PAGE)
    return {"cluster": found[0], "hits": hits_for(store, [(i, 0.0) for i in
                                                        ids[:CLUSTER_PAGE]]),
            "page": page, "has_next": len(ids) > CLUSTER_PAGE,
            "trend": trendviews.cluster_trend(store, cluster, found[0].label)}


async def cluster_page(request: Request, cluster: int, page: int = PageNo) -> Response:
    """One cluster: its words, its papers per week, its papers newest first."""
    return await cached_page(request, "cluster.html",
                             lambda v: _cluster_context(v, cluster, page))


async def trends_page(request: Request, category: str = Query("", max_length=100),
                      q: str = Q) -> Response:
    """What is rising; with category or q, the trend of that category or of a search."""
    model = embedder(request) if q.strip() else None

    def build(view: views.Viewer) -> dict[str, Any]:
        store = view.store
        if q.strip():
            return {"q": q, "focus": trendviews.query_trend(store, q, model)}
        if category.strip():
            return {"category": category.strip(),
                    "focus": trendviews.category_trend(store, category.strip())}
        return trendviews.trends_page(store)

    return await cached_page(request, "trends.html", build)
