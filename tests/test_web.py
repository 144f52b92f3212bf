"""The home page, served by the real app in-process."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from paperfeed.models import Author, Paper
from paperfeed.store import Store


def test_home_lists_papers_newest_first(client: TestClient, store: Store) -> None:
    store.upsert_papers([
        Paper(id="old", title="Old paper", abstract="Old.", authors=(Author("A. Old"),),
              published=datetime(2023, 1, 1, tzinfo=UTC)),
        Paper(id="new", title="New paper", abstract="New.",
              code_urls=("https://github.com/n/ew",), published=datetime(2024, 1, 1, tzinfo=UTC)),
    ])
    page = client.get("/")
    assert page.status_code == 200
    titles = re.findall(r'<h2 class="title">(.*?)</h2>', page.text)
    assert titles == ["New paper", "Old paper"]
    assert "A. Old" in page.text
    assert 'href="https://github.com/n/ew"' in page.text


def test_ingested_markup_is_shown_as_text(client: TestClient, store: Store) -> None:
    store.upsert_papers([Paper(id="x", title="<script>alert(1)</script>",
                               abstract='<img src=x onerror="alert(2)">')])
    text = client.get("/").text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text
    assert "<img src=x" not in text


def test_empty_database_explains_what_to_do(client: TestClient) -> None:
    assert "paperfeed ingest jsonl" in client.get("/").text
