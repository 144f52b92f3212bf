"""A frozen corpus for recommendation tests: real arXiv records of four fields from the shared
corpus, given fixed listing days (a training stretch in January, a window in February)."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache

import pytest

from conftest import SHARED_DATA
from paperfeed.ingest.jsonl import parse_record
from paperfeed.models import Paper
from paperfeed.store import Store

SINCE, UNTIL = date(2026, 2, 2), date(2026, 2, 6)
FIELDS = {  # name: (primary category, title rule, papers)
    "robotics": ("cs.RO", r"robot", 30),
    "galaxies": ("astro-ph.GA", r"galax|stellar|star", 30),
    "language": ("cs.CL", r"", 150),
    "vision": ("cs.CV", r"", 150),
}


@cache
def _records() -> dict[str, list[dict[str, object]]]:
    path = SHARED_DATA / "arxiv_corpus.jsonl.gz"
    if not path.exists():
        pytest.skip(f"the shared corpus is not at {path}")
    picked: dict[str, list[dict[str, object]]] = {name: [] for name in FIELDS}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            cats = record.get("categories") or []
            for name, (cat, rule, n) in FIELDS.items():
                if cats and cats[0] == cat and len(picked[name]) < n and \
                        re.search(rule, record["title"], re.IGNORECASE):
                    picked[name].append(record)
            if all(len(picked[k]) >= v[2] for k, v in FIELDS.items()):
                break
    return picked


def corpus() -> dict[str, list[Paper]]:
    """Per field: two thirds listed on January days (training), a third in the window."""
    out: dict[str, list[Paper]] = {}
    for name, records in _records().items():
        papers = []
        for i, record in enumerate(records):
            train = i % 3 != 2
            day = date(2026, 1, 5 + i % 20) if train else date(2026, 2, 2 + i % 5)
            papers.append(replace(parse_record(record), announced=day,
                                  published=datetime(day.year, day.month, day.day, tzinfo=UTC)))
        out[name] = papers
    return out


def training(field: str, n: int) -> list[str]:
    return [p.id for p in corpus()[field] if p.day is not None and p.day < SINCE][:n]


def window(field: str) -> list[Paper]:
    return [p for p in corpus()[field] if p.day is not None and p.day >= SINCE]


def seed(store: Store) -> list[Paper]:
    papers = [p for group in corpus().values() for p in group]
    store.upsert_papers(papers)
    return papers
