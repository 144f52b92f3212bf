"""What an operator's tools ask of a running instance: /healthz (the process answers),
/readyz (database reachable, schema current, vectors loaded) and /metrics (Prometheus).

Request counts and latencies are kept by prometheus_client in each process; with several
web workers, PROMETHEUS_MULTIPROC_DIR (which `paperfeed serve --workers N` sets) makes
/metrics add up every worker's. Figures about the data (papers, embeddings pending,
digests, ingest runs) are read from the store at scrape time, so every process reports
the same ones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperfeed.index.keyword_index import TAIL, keyword_lag
from paperfeed.store import Store

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OPS_PATHS = ("/healthz", "/readyz", "/metrics")


class RequestMetrics:
    """Counts requests by route template (never the raw path: ids would explode the
    series), method and status, and times them."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter("paperfeed_http_requests", "HTTP requests answered.",
                                ["route", "method", "status"], registry=registry)
        self.latency = Histogram("paperfeed_http_request_duration_seconds",
                                 "Time to answer an HTTP request.", ["route", "method"],
                                 buckets=BUCKETS, registry=registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 500

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            self.requests.labels(route, method, str(status)).inc()
            self.latency.labels(route, method).observe(time.perf_counter() - start)


class StoreCollector(Collector):
    """Gauges read from the store when scraped: the same in every process."""

    def __init__(self, store: Store, model: str) -> None:
        self.store, self.model = store, model

    def collect(self) -> Iterator[GaugeMetricFamily]:
        store = self.store
        yield GaugeMetricFamily("paperfeed_papers", "Papers stored.", store.count_papers())
        yield GaugeMetricFamily("paperfeed_embeddings_pending", "Papers the configured model "
                                "has not embedded yet.", store.count_pending_embeddings(
                                    self.model))
        lag = keyword_lag(store)
        if lag is not None:
            yield GaugeMetricFamily("paperfeed_keyword_index_behind", "Papers changed since "
                                    "this host's keyword index last committed (web processes "
                                    f"index up to {TAIL:,} of them in memory).", lag)
        digests = GaugeMetricFamily("paperfeed_digests", "Digest sends by outcome (sent, "
                                    "deferred, bounced, skipped, claimed).", labels=["outcome"])
        outcomes = store.digest_outcomes()
        for outcome in ("sent", "deferred", "bounced", "skipped", "claimed"):
            digests.add_metric([outcome], outcomes.get(outcome, 0))
        yield digests
        runs = GaugeMetricFamily("paperfeed_ingest", "Ingest runs and what they did, since "
                                 "the database was created.", labels=["what"])
        for what in ("runs", "new", "updated", "rejected"):
            runs.add_metric([what], int(store.get_state(f"metrics:ingest_{what}") or 0))
        yield runs


def registry_for(app: FastAPI) -> CollectorRegistry:
    """The registry /metrics reads: this process's, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        merged = CollectorRegistry()
        MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        merged.register(app.state.store_collector)
        return merged
    registry: CollectorRegistry = app.state.metrics_registry
    return registry


async def healthz() -> JSONResponse:
    """The process is alive and answering."""
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


def _readiness(request: Request) -> tuple[bool, dict[str, Any]]:
    from paperfeed.web.deps import embedder

    store: Store = request.app.state.store
    checks: dict[str, Any] = {}
    try:
        checks["papers"] = store.count_papers()
        pending = store.pending_migrations()
    except Exception as exc:  # any database failure means: not ready
        return False, {"database": f"unreachable: {type(exc).__name__}"}
    checks["database"] = "ok"
    checks["migrations"] = "current" if not pending else f"pending: {', '.join(pending)}"
    model = embedder(request)
    if model is None:
        checks["vectors"] = "off (keyword search only)"
    else:
        from paperfeed.index.vectors import index_for

        checks["vectors"] = f"loaded: {len(index_for(store, model.name))} for {model.name}"
    return not pending, checks


async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers, its schema is current and the vectors are loaded."""
    ready, checks = await run_in_threadpool(_readiness, request)
    return JSONResponse({"status": "ready" if ready else "not ready", **checks},
                        status_code=200 if ready else 503,
                        headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    body = await run_in_threadpool(generate_latest, registry_for(request.app))
    return Response(body, media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    """The request metrics and the store's gauges (the routes are in app.ROUTES)."""
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.state.store_collector = StoreCollector(app.state.store,
                                               app.state.settings.embedding_model)
    registry.register(app.state.store_collector)
    app.add_middleware(RequestMetrics, registry=registry)
