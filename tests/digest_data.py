"""Papers with dates and categories for digest tests: the sample's real texts, spread over days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from paperfeed.ingest.jsonl import json_lines, parse_record
from paperfeed.models import Paper
from paperfeed.store import Store

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_papers.jsonl"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday, noon UTC
CATEGORIES = ("cs.LG", "cs.CL", "stat.ML")


def sample_papers(*, now: datetime = NOW, days: int = 5) -> list[Paper]:
    """The 119 sample papers, paper i published i % days days before now, in one of three
    categories (i % 3)."""
    papers = []
    for i, (_, record) in enumerate(json_lines(SAMPLE)):
        cat = CATEGORIES[i % 3]
        papers.append(replace(parse_record(record), published=now - timedelta(days=i % days),
                              categories=(cat,), primary_category=cat))
    return papers


def seed(store: Store, *, now: datetime = NOW, days: int = 5) -> list[Paper]:
    papers = sample_papers(now=now, days=days)
    store.upsert_papers(papers)
    return papers
