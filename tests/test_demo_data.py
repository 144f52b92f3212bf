"""The demo's data: the 119 undated sample papers and a slice of real, dated arXiv days."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Paper
from paperfeed.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
RECENT = DATA / "recent_papers.jsonl.gz"


def test_the_recent_slice_parses_whole_and_fills_three_weeks() -> None:
    records = list(read_jsonl(RECENT))
    papers = [r for r in records if isinstance(r, Paper)]
    assert len(papers) == len(records) > 2000, [r for r in records if not isinstance(r, Paper)]
    days = Counter(p.day for p in papers)
    assert None not in days
    assert min(d for d in days if d) >= date(2026, 8, 1)
    per_week = Counter(p.day.isocalendar()[1] for p in papers if p.day)
    assert sum(n >= 300 for n in per_week.values()) >= 3
    sample = {p.id for p in read_jsonl(DATA / "sample_papers.jsonl") if isinstance(p, Paper)}
    assert not sample & {p.id for p in papers}


def test_the_demo_imports_both_files_and_lists_the_newest_day(store: Store) -> None:
    for path in (DATA / "sample_papers.jsonl", RECENT):
        report = import_records(store, read_jsonl(path), source="demo")
        assert report.rejected == () and report.result.new > 100
    assert store.neighbour_days(date(2026, 12, 5))[0] == date(2026, 8, 21)
