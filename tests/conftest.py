"""Shared fixtures: a real database per test (SQLite and PostgreSQL), the real app, the data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperfeed.config import Settings, load_settings
from paperfeed.store import Store, open_store
from paperfeed.web.app import create_app
from pg import pg_server, postgres_url, summary_line  # noqa: F401  (see tests/pg.py)
from smtp import smtp_server  # noqa: F401  (fixture: a real SMTP server; see tests/smtp.py)
from upstream import upstream  # noqa: F401  (fixture: a local upstream HTTP server)

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample_papers.jsonl"
# ../shared/data beside the repository; SHARED_DATA_DIR points elsewhere (a worktree)
SHARED_DATA = Path(os.environ.get("SHARED_DATA_DIR", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def private_keyword_indexes(tmp_path_factory: pytest.TempPathFactory,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyword indexes (index/keyword_index.py) go to a directory of the test's own, never
    to the user's cache, and no process cache outlives its test."""
    from paperfeed.index import keyword_index, keyword_layout

    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setattr(keyword_layout, "default_cache_dir", lambda: cache)
    keyword_index._cache.clear()


# Every test that uses `settings`, `store` or `client` runs once per backend.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database of the test's backend: a file in tmp_path, or a new PostgreSQL DB."""
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'paperfeed.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(environ={}, database_url=database_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.database_url, pool_size=settings.database_pool_size)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """For the few tests about SQLite itself (FTS5 internals, file handling)."""
    store = open_store(f"sqlite:///{tmp_path / 'sqlite.db'}")
    yield store
    store.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many PostgreSQL tests ran (CI must show they ran, not skipped)."""
    reports = [r for group in terminalreporter.stats.values() for r in group
               if hasattr(r, "when")]
    line = summary_line(reports)
    if line:
        terminalreporter.write_line(line)


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store)) as client:
        yield client
