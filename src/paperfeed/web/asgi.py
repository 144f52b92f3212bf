"""The ASGI entry point for uvicorn: each worker process loads settings and opens its store."""

from __future__ import annotations

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from paperfeed.config import check_secret, load_settings
from paperfeed.index.embedder import use_cache_dir
from paperfeed.logs import setup_logging
from paperfeed.store import open_store
from paperfeed.web.app import create_app


def app() -> FastAPI:
    """uvicorn factory (`paperfeed.web.asgi:app`, factory=True).

    BLAS runs single-threaded in a web worker: requests are the parallelism, and OpenBLAS's
    own threads (one per core, spinning between calls) fought the other workers for the
    cores, which halved uncached searches per second (bench/RESULTS.md).
    """
    threadpool_limits(limits=1, user_api="blas")
    settings = load_settings()
    setup_logging(settings)
    use_cache_dir(settings.model_cache_dir)
    check_secret(settings)
    return create_app(settings, open_store(settings.database_url,
                                           pool_size=settings.database_pool_size))
