"""The arXiv API source: Atom parsing on recorded-format samples, paging, cursors, faults."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.config import Settings
from paperfeed.ingest import arxiv_api
from paperfeed.ingest.fetch import BrokenDocument, UpstreamError
from paperfeed.ingest.run import IngestAborted
from paperfeed.models import Author, Paper, Rejected, UpsertResult
from paperfeed.store import Store
from upstream import Reply, Request, UpstreamServer, fixture, settings_for

PATH = "/api/query"


def feed_server(server: UpstreamServer, *, second: Reply | None = None) -> None:
    """Page 1 (3 entries, one broken) at start=0, page 2 (1 entry) at start=3."""
    page2 = second or Reply(body=fixture("arxiv_api_page2.xml"))

    def answer(request: Request) -> Reply:
        return Reply(body=fixture("arxiv_api_page1.xml")) if request.query["start"] == "0" \
            else page2

    server.route(PATH, answer)


def test_entry_fields_are_parsed_from_atom() -> None:
    page = arxiv_api.parse_feed(fixture("arxiv_api_page1.xml"), "URL")
    assert (page.total, page.start, len(page.entries)) == (4, 0, 3)
    paper = page.entries[0]
    assert isinstance(paper, Paper)
    assert (paper.id, paper.version) == ("2401.01234", 2)
    assert paper.title == "Sparse Engines for Analytical Computation"
    assert paper.abstract.startswith("We study engines that compute tables of Bernoulli "
                                     "numbers with x < y and $O(n^2)$ cards.")
    assert paper.authors == (Author("Ada Lovelace", "Analytical Society"),
                             Author("Charles Babbage", "Cambridge; Royal Society"),
                             Author("Mary Somerville"))
    assert paper.categories == ("cs.LG", "cs.CL")  # the MSC class 68T05 is not a category
    assert paper.primary_category == "cs.LG"
    assert paper.published == datetime(2024, 1, 2, 18, 59, 59, tzinfo=UTC)
    assert paper.updated == datetime(2024, 1, 5, 10, 0, tzinfo=UTC)
    assert [v.version for v in paper.versions] == [1, 2]
    assert (paper.doi, paper.journal_ref) == ("10.1000/engine.2024", "J. Engines 1 (2024) 1-12")
    assert paper.comments == "12 pages, 3 figures; project page https://ada.github.io/engine/"
    assert (paper.url, paper.pdf_url) == ("https://arxiv.org/abs/2401.01234",
                                          "https://arxiv.org/pdf/2401.01234")
    assert paper.code_urls == ("https://github.com/ada/engine", "https://ada.github.io/engine")


def test_broken_entry_is_rejected_with_url_and_index() -> None:
    page = arxiv_api.parse_feed(fixture("arxiv_api_page1.xml"), "http://x/api?start=0")
    assert page.entries[1] == Rejected("http://x/api?start=0 entry 2",
                                       "2401.00999: missing title or abstract")
    old_style = arxiv_api.parse_feed(fixture("arxiv_api_page2.xml"), "u").entries[0]
    assert isinstance(old_style, Paper) and (old_style.id, old_style.version) == (
        "cs/9901001", 3)


def test_truncated_feed_and_error_entry_are_told_apart() -> None:
    body = fixture("arxiv_api_page1.xml")
    with pytest.raises(BrokenDocument, match="not well-formed"):
        arxiv_api.parse_feed(body[:len(body) // 2], "u")
    with pytest.raises(BrokenDocument, match="not an arXiv API feed"):
        arxiv_api.parse_feed(b"<html><body>maintenance</body></html>", "u")
    with pytest.raises(UpstreamError, match=r"incorrect id format for 1234\.12345"):
        arxiv_api.parse_feed(fixture("arxiv_api_error.xml"), "u")


def test_query_names_categories_and_dates() -> None:
    assert arxiv_api.build_query(["cs.LG", "cs"], date(2024, 1, 1), date(2024, 1, 9)) == (
        "(cat:cs.LG OR cat:cs.*) AND submittedDate:[202401010000 TO 202401092359]")


def test_harvest_pages_through_and_remembers_the_newest_day(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    feed_server(upstream)
    config = settings_for(settings, upstream)
    report = arxiv_api.harvest(store, config, ["cs.LG", "cs.CL"], since=date(2024, 1, 1),
                               page_size=3)
    assert report.result == UpsertResult(new=3)
    assert [r.where for r in report.rejected] == [
        f"{upstream.url(PATH)}?search_query=%28cat%3Acs.LG+OR+cat%3Acs.CL%29+AND+submittedDate"
        "%3A%5B202401010000+TO+" + f"{datetime.now(UTC):%Y%m%d}" + "2359%5D&start=0&"
        "max_results=3&sortBy=submittedDate&sortOrder=descending entry 2"]
    first, second = upstream.hits(PATH)
    assert (first.query["start"], second.query["start"]) == ("0", "3")
    assert first.query["sortBy"] == "submittedDate"
    assert store.get_state(arxiv_api.state_key(["cs.CL", "cs.LG"])) == "2024-01-02"
    paper = store.get_paper("2401.01234")
    assert paper is not None and paper.authors[1].affiliation == "Cambridge; Royal Society"


def test_next_run_starts_from_the_cursor_and_stops_when_nothing_is_new(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    feed_server(upstream)
    config = settings_for(settings, upstream)
    arxiv_api.harvest(store, config, ["cs.LG"], since=date(2024, 1, 1), page_size=3)
    again = arxiv_api.harvest(store, config, ["cs.LG"], page_size=3)
    assert again.result == UpsertResult(unchanged=2)
    latest = upstream.hits(PATH)[-1]
    assert "submittedDate:[202401020000 TO" in latest.query["search_query"]
    assert len(upstream.hits(PATH)) == 3  # page 1 held nothing new and reached old days


def test_retries_503_then_a_truncated_page_then_succeeds(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    body = fixture("arxiv_api_page2.xml")
    answers = [Reply(503, "busy", headers={"Retry-After": "0"}),
               Reply(body=body[:200]), Reply(body=body)]
    feed_server(upstream, second=Reply(body=body))
    upstream.route(PATH, lambda request: Reply(body=fixture("arxiv_api_page1.xml"))
                   if request.query["start"] == "0" else answers.pop(0))
    report = arxiv_api.harvest(store, settings_for(settings, upstream, http_retries=3),
                               ["cs.LG"], since=date(2024, 1, 1), page_size=3)
    assert report.result.new == 3
    assert len(upstream.hits(PATH)) == 4


def test_failure_keeps_earlier_pages_and_says_how_to_resume(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    feed_server(upstream, second=Reply(502, "bad gateway"))
    with pytest.raises(IngestAborted, match=r"failed after 3 attempt\(s\): HTTP 502.*run "
                                            r"the same command again") as caught:
        arxiv_api.harvest(store, settings_for(settings, upstream), ["cs.LG"],
                          since=date(2024, 1, 1), page_size=3)
    assert caught.value.report.result == UpsertResult(new=2)
    assert store.count_papers() == 2
    assert store.get_state(arxiv_api.state_key(["cs.LG"])) is None  # not complete: no cursor


def test_strict_stops_at_the_broken_entry(settings: Settings, store: Store,
                                          upstream: UpstreamServer) -> None:
    feed_server(upstream)
    with pytest.raises(IngestAborted, match=r"entry 2: 2401\.00999: missing title"):
        arxiv_api.harvest(store, settings_for(settings, upstream), ["cs.LG"],
                          since=date(2024, 1, 1), page_size=3, strict=True)
    assert store.count_papers() == 0


def test_empty_result_is_a_quiet_success(settings: Settings, store: Store,
                                         upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("arxiv_api_empty.xml"))])
    report = arxiv_api.harvest(store, settings_for(settings, upstream), ["cs.LG"])
    assert report.result == UpsertResult() and not report.rejected
