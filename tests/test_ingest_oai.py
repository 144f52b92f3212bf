"""OAI-PMH harvesting: arXiv and arXivRaw records, resumption tokens, 503 Retry-After,
error elements, and resuming a harvest that stopped part-way."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from paperfeed.config import Settings
from paperfeed.ingest import oai_pmh
from paperfeed.ingest.fetch import BrokenDocument
from paperfeed.ingest.run import IngestAborted
from paperfeed.models import Author, Paper, Rejected, UpsertResult
from paperfeed.store import Store
from upstream import Reply, Request, UpstreamServer, fixture, settings_for

PATH = "/oai"
TOKEN = "6960524|1001"


def oai_server(server: UpstreamServer, second: list[Reply] | None = None) -> None:
    """The first request gets page 1 (with a token); the token gets page 2 (the last)."""
    rest = second or [Reply(body=fixture("oai_arxivraw_page2.xml"))]

    def answer(request: Request) -> Reply:
        if "resumptionToken" not in request.query:
            return Reply(body=fixture("oai_arxivraw_page1.xml"))
        if request.query["resumptionToken"] != TOKEN:
            return Reply(body=fixture("oai_bad_token.xml"))
        return rest.pop(0) if len(rest) > 1 else rest[0]

    server.route(PATH, answer)


def test_arxivraw_record_has_versions_and_split_authors() -> None:
    page = oai_pmh.parse_page(fixture("oai_arxivraw_page1.xml"), "URL")
    assert (page.token, page.complete_size, page.deleted) == (TOKEN, 4, 1)
    paper = page.records[0]
    assert isinstance(paper, Paper)
    assert (paper.id, paper.version) == ("0704.0001", 2)
    assert [a.name for a in paper.authors] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky",
                                               "C.-P. Yuan"]
    assert paper.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert paper.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert paper.title == ("Calculation of prompt diphoton production cross sections at "
                           "Tevatron and LHC energies")
    assert (paper.categories, paper.primary_category) == (("hep-ph", "cs.LG"), "hep-ph")
    assert (paper.doi, paper.journal_ref) == ("10.1103/PhysRevD.76.013009",
                                              "Phys.Rev.D76:013009,2007")
    assert page.records[1] == Rejected("URL record 3", "2401.00003: missing title or abstract")


def test_arxiv_format_keeps_affiliations() -> None:
    page = oai_pmh.parse_page(fixture("oai_arxiv_format.xml"), "URL", "arXiv")
    paper = page.records[0]
    assert isinstance(paper, Paper)
    assert paper.authors == (Author("C. Balázs", "Argonne National Laboratory"),
                             Author("E. L. Berger"), Author("C. -P. Yuan Jr",
                                                            "Michigan State; CERN"))
    assert paper.published == datetime(2007, 4, 2, tzinfo=UTC)
    assert page.token is None


def test_last_page_has_an_empty_token_and_code_links() -> None:
    page = oai_pmh.parse_page(fixture("oai_arxivraw_page2.xml"), "URL")
    assert page.token is None and page.cursor == 3
    paper = page.records[0]
    assert isinstance(paper, Paper)
    assert [a.name for a in paper.authors] == ["Grace Hopper", "Jean E. Sammet", "Kurt Gödel"]
    assert paper.code_urls == ("https://github.com/hopper/flowmatic",
                               "https://gitlab.com/hopper/compilers")


def test_error_elements_and_broken_documents() -> None:
    assert oai_pmh.parse_page(fixture("oai_no_records.xml"), "u").records == ()
    with pytest.raises(oai_pmh.OaiError, match="badArgument: Illegal set 'nonsense'"):
        oai_pmh.parse_page(fixture("oai_bad_argument.xml"), "u")
    body = fixture("oai_arxivraw_page1.xml")
    with pytest.raises(BrokenDocument, match="not well-formed"):
        oai_pmh.parse_page(body[:-300], "u")


def test_harvest_follows_the_token_through_a_503(settings: Settings, store: Store,
                                                 upstream: UpstreamServer) -> None:
    oai_server(upstream, [Reply(503, "busy", headers={"Retry-After": "0"}),
                          Reply(body=fixture("oai_arxivraw_page2.xml"))])
    report = oai_pmh.harvest(store, settings_for(settings, upstream), "cs",
                             since=date(2024, 1, 1))
    assert report.result == UpsertResult(new=2)
    assert [r.where.rsplit(" ", 2)[1:] for r in report.rejected] == [["record", "3"]]
    first, *rest = upstream.hits(PATH)
    assert first.query == {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs",
                           "from": "2024-01-01"}
    assert [r.query for r in rest] == [{"verb": "ListRecords", "resumptionToken": TOKEN}] * 2
    assert json.loads(store.get_state("oai_pmh:arXivRaw:cs") or "") == {"last": "2024-01-10"}


def test_incremental_run_starts_from_the_last_date(settings: Settings, store: Store,
                                                   upstream: UpstreamServer) -> None:
    store.set_state("oai_pmh:arXivRaw:cs", json.dumps({"last": "2024-01-10"}))
    upstream.route(PATH, [Reply(body=fixture("oai_no_records.xml"))])
    report = oai_pmh.harvest(store, settings_for(settings, upstream), "cs")
    assert report.result == UpsertResult()
    assert upstream.hits(PATH)[0].query["from"] == "2024-01-10"
    assert json.loads(store.get_state("oai_pmh:arXivRaw:cs") or "") == {"last": "2024-01-11"}


def test_stopped_harvest_resumes_from_its_token(settings: Settings, store: Store,
                                                upstream: UpstreamServer) -> None:
    oai_server(upstream, [Reply(503, "down", headers={"Retry-After": "0"})])
    config = settings_for(settings, upstream)
    with pytest.raises(IngestAborted, match=r"HTTP 503.*ingest oai --set cs` again to "
                                            r"resume") as caught:
        oai_pmh.harvest(store, config, "cs", since=date(2024, 1, 1))
    assert caught.value.report.result == UpsertResult(new=1)
    saved = json.loads(store.get_state("oai_pmh:arXivRaw:cs") or "")
    assert saved["token"] == TOKEN
    oai_server(upstream)  # the repository is back
    again = oai_pmh.harvest(store, config, "cs")
    assert again.result == UpsertResult(new=1)
    assert upstream.hits(PATH)[-1].query == {"verb": "ListRecords", "resumptionToken": TOKEN}
    assert store.count_papers() == 2
    assert json.loads(store.get_state("oai_pmh:arXivRaw:cs") or "") == {"last": "2024-01-10"}


def test_expired_token_starts_again_from_the_saved_date(settings: Settings, store: Store,
                                                        upstream: UpstreamServer) -> None:
    store.set_state("oai_pmh:arXivRaw:cs", json.dumps(
        {"token": "expired|1", "from": "2024-01-01", "started": "2024-01-09"}))
    oai_server(upstream)
    report = oai_pmh.harvest(store, settings_for(settings, upstream), "cs")
    assert report.result == UpsertResult(new=2)
    queries = [r.query for r in upstream.hits(PATH)]
    assert queries[0]["resumptionToken"] == "expired|1"
    assert queries[1]["from"] == "2024-01-01"


def test_oai_error_stops_with_a_clear_message(settings: Settings, store: Store,
                                              upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("oai_bad_argument.xml"))])
    with pytest.raises(IngestAborted, match="OAI-PMH error badArgument"):
        oai_pmh.harvest(store, settings_for(settings, upstream), "nonsense")
    assert len(upstream.hits(PATH)) == 1  # an error element is an answer: no retry


def test_categories_filter_keeps_only_wanted_papers(settings: Settings, store: Store,
                                                    upstream: UpstreamServer) -> None:
    oai_server(upstream)
    report = oai_pmh.harvest(store, settings_for(settings, upstream), "cs",
                             categories=["cs.PL"], restart=True)
    assert report.result == UpsertResult(new=1)
    assert store.get_paper("2401.00004") is not None


def test_a_token_that_does_not_advance_stops_the_harvest(settings: Settings, store: Store,
                                                         upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("oai_arxivraw_page1.xml"))])
    with pytest.raises(IngestAborted, match="the list does not advance"):
        oai_pmh.harvest(store, settings_for(settings, upstream), "cs")
    assert len(upstream.hits(PATH)) == 2
