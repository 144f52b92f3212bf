"""Hugging Face daily papers: raw JSON parsing, upvotes kept when sources merge, faults,
and the scheduled run of the configured sources."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from paperfeed.config import Settings
from paperfeed.ingest import hf_daily
from paperfeed.ingest.fetch import BrokenDocument
from paperfeed.ingest.run import IngestAborted
from paperfeed.ingest.schedule import run_configured
from paperfeed.models import Paper, Rejected, UpsertResult
from paperfeed.store import Store
from upstream import Reply, Request, UpstreamServer, fixture, settings_for

PATH = "/hf/api/daily_papers"


def daily() -> list[object]:
    return json.loads(fixture("hf_daily_papers.json"))


def test_signals_nested_under_paper_are_kept() -> None:
    items = hf_daily.parse_daily(daily(), "URL")
    paper = items[0]
    assert isinstance(paper, Paper)
    assert (paper.id, paper.upstream_upvotes, paper.github_stars) == ("2401.01234", 42, 1234)
    assert paper.github_repo == "https://github.com/ada/engine"
    assert paper.code_urls == ("https://github.com/ada/engine", "https://ada.github.io/engine")
    assert paper.ai_keywords == ("sparse engines", "Bernoulli numbers")
    assert paper.author_names == ("Ada Lovelace", "Charles Babbage")
    assert paper.abstract == "We study engines that compute tables of Bernoulli numbers with " \
                             "few cards."
    assert paper.published == datetime(2024, 1, 2, 18, 59, 59, tzinfo=UTC)
    plain = items[1]
    assert isinstance(plain, Paper) and plain.github_repo is None and plain.code_urls == ()


def test_bad_items_are_rejected_with_url_and_index() -> None:
    items = hf_daily.parse_daily(daily(), "URL")
    assert items[2:] == [Rejected("URL item 3", "upvotes: 'many' is not a count"),
                         Rejected("URL item 4", "an item must hold a 'paper' object")]
    with pytest.raises(BrokenDocument, match="expected a JSON list"):
        hf_daily.parse_daily({"error": "Invalid date"}, "URL")


def test_days_to_fetch_refresh_recent_upvotes() -> None:
    today = date(2024, 1, 10)
    assert hf_daily.dates_to_fetch(None, today) == [date(2024, 1, 8), date(2024, 1, 9), today]
    assert hf_daily.dates_to_fetch("2024-01-06", today)[0] == date(2024, 1, 6)


def test_harvest_merges_with_arxiv_keeping_upvotes(settings: Settings, store: Store,
                                                   upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("hf_daily_papers.json"),
                                content_type="application/json")])
    store.upsert_papers([Paper(id="2401.01234", title="Sparse Engines for Analytical "
                               "Computation", abstract="arXiv's own abstract.", version=2,
                               categories=("cs.LG",), source="arxiv_api",
                               doi="10.1000/engine.2024")])
    report = hf_daily.harvest(store, settings_for(settings, upstream), [date(2024, 1, 3)])
    assert report.result == UpsertResult(new=1, updated=1)
    assert len(report.rejected) == 2
    assert upstream.hits(PATH)[0].query == {"date": "2024-01-03"}
    merged = store.get_paper("2401.01234")
    assert merged is not None
    assert (merged.upstream_upvotes, merged.github_stars, merged.version) == (42, 1234, 2)
    assert (merged.abstract, merged.doi) == ("arXiv's own abstract.", "10.1000/engine.2024")
    assert "https://github.com/ada/engine" in merged.code_urls
    assert store.get_state(hf_daily.STATE_KEY) == "2024-01-03"


def test_truncated_json_is_retried_then_reported(settings: Settings, store: Store,
                                                 upstream: UpstreamServer) -> None:
    body = fixture("hf_daily_papers.json")
    upstream.route(PATH, [Reply(body=body[:300], content_type="application/json")])
    with pytest.raises(IngestAborted, match=r"failed after 3 attempt\(s\): unreadable "
                                            r"response \(not valid JSON"):
        hf_daily.harvest(store, settings_for(settings, upstream), [date(2024, 1, 3)])
    assert len(upstream.hits(PATH)) == 3


def test_scheduled_run_goes_on_when_one_source_fails(settings: Settings, store: Store,
                                                     upstream: UpstreamServer) -> None:
    upstream.route("/api/query", [Reply(500, "down")])

    def hf(request: Request) -> Reply:
        return Reply(body=fixture("hf_daily_papers.json") if request.query["date"] ==
                     datetime.now(UTC).date().isoformat() else "[]",
                     content_type="application/json")

    upstream.route(PATH, hf)
    config = replace(settings_for(settings, upstream, http_retries=0), categories=["cs.LG"])
    runs = run_configured(store, config)
    assert [(r.source, r.error is None) for r in runs] == [("arxiv_api", False),
                                                           ("hf_daily", True)]
    assert runs[1].report is not None and runs[1].report.result.new == 2
    assert [r.query["date"] for r in upstream.hits(PATH)] == [
        (datetime.now(UTC).date() - timedelta(days=n)).isoformat() for n in (2, 1, 0)]


def test_scheduled_run_skips_category_sources_without_categories(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body="[]", content_type="application/json")])
    runs = run_configured(store, settings_for(settings, upstream,
                                              ingest_sources=["arxiv_api", "hf_daily"]))
    assert [r.source for r in runs] == ["hf_daily"]
    assert upstream.hits("/api/query") == []
