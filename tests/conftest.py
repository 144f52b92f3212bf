"""Shared fixtures: a real SQLite file per test, the real app in-process, the sample data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperfeed.config import Settings, load_settings
from paperfeed.store import Store, open_store
from paperfeed.web.app import create_app

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample_papers.jsonl"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={}, database_url=f"sqlite:///{tmp_path / 'paperfeed.db'}")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.database_url)
    yield store
    store.close()


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store)) as client:
        yield client
