"""Submitting a paper by arXiv id or link: listed today, fetched from arXiv when missing
(a local server plays arXiv with the recorded fixtures), refused with a reason otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperfeed.config import Settings
from paperfeed.ingest.submit import SubmitRefused, parse_reference, submit_paper
from paperfeed.models import Paper
from paperfeed.rank.listings import listing
from paperfeed.store import Store
from paperfeed.web.app import create_app
from readerkit import sign_in_as
from test_cli import paperfeed
from upstream import Reply, UpstreamServer, fixture, settings_for

PATH = "/api/query"
NOW = datetime.now(UTC)
OLD = Paper(id="2301.00001", title="An old paper on sparse engines", abstract="We study it.",
            published=datetime(2023, 1, 2, tzinfo=UTC), source="jsonl")


@pytest.mark.parametrize(("text", "paper_id"), [
    ("2401.01234", "2401.01234"), ("2401.01234v3", "2401.01234"),
    ("arXiv:2401.01234v2", "2401.01234"), (" https://arxiv.org/abs/2401.01234v2 ", "2401.01234"),
    ("https://arxiv.org/pdf/2401.01234v1.pdf", "2401.01234"),
    ("http://www.arxiv.org/abs/2401.01234?context=cs", "2401.01234"),
    ("https://export.arxiv.org/pdf/2401.01234", "2401.01234"),
    ("hep-th/9901001v2", "hep-th/9901001"),
    ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
])
def test_ids_and_links_name_the_paper(text: str, paper_id: str) -> None:
    assert parse_reference(text) == paper_id


@pytest.mark.parametrize("text", ["", "hello", "2401.1", "https://example.org/abs/2401.01234",
                                  "<script>alert(1)</script>", "2401.01234" * 40])
def test_malformed_references_are_refused(text: str) -> None:
    with pytest.raises(SubmitRefused) as refused:
        parse_reference(text)
    assert refused.value.reason == "malformed"


def _submit(store: Store, settings: Settings, ref: str, who: str = "ada@example.org",
            now: datetime = NOW) -> Paper:
    reader = store.get_or_create_reader(who)
    return submit_paper(store, settings, ref, reader_id=reader, display_name=who.partition("@")[0],
                        now=now).paper


def _listed_today(store: Store) -> list[str]:
    return [h.paper.id for h in listing(store, NOW.date(), NOW.date(), sort="date", now=NOW)]


def test_a_stored_paper_goes_on_todays_list_without_asking_arxiv(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    store.upsert_papers([OLD])
    _submit(store, settings_for(settings, upstream), "https://arxiv.org/abs/2301.00001v1")
    assert upstream.requests == []
    assert _listed_today(store) == ["2301.00001"]
    assert store.submissions(["2301.00001"])["2301.00001"].display_name == "ada"
    with pytest.raises(SubmitRefused, match="already submitted today") as again:
        _submit(store, settings, "2301.00001", who="bob@example.org")
    assert again.value.reason == "already_submitted"
    tomorrow = NOW + timedelta(days=1)
    _submit(store, settings, "2301.00001", now=tomorrow)  # another day: listed again
    assert [h.paper.id for h in listing(store, tomorrow.date(), tomorrow.date(), sort="date",
                                        now=tomorrow)] == ["2301.00001"]


def test_a_missing_paper_is_fetched_from_arxiv_then_listed(
        settings: Settings, store: Store, upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(503), Reply(body=fixture("arxiv_api_page1.xml"))])
    paper = _submit(store, settings_for(settings, upstream), "arXiv:2401.01234v2")
    assert paper.title == "Sparse Engines for Analytical Computation"
    assert store.get_paper("2401.01234") is not None
    hits = upstream.hits(PATH)
    assert len(hits) == 2  # the 503 was retried
    assert hits[-1].query["id_list"] == "2401.01234"
    assert "feeds@example.org" in hits[-1].headers["user-agent"]
    assert _listed_today(store) == ["2401.01234"]


def test_unknown_and_unreachable_store_nothing(settings: Settings, store: Store,
                                               upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("arxiv_api_empty.xml"))])
    with pytest.raises(SubmitRefused, match=r"arXiv has no paper 2401\.09999") as missing:
        _submit(store, settings_for(settings, upstream), "2401.09999")
    assert missing.value.reason == "not_found"
    upstream.route(PATH, [Reply(body=fixture("arxiv_api_error.xml"))])
    with pytest.raises(SubmitRefused) as refused:
        _submit(store, settings_for(settings, upstream), "2401.09998")
    assert refused.value.reason == "not_found"
    upstream.route(PATH, [Reply(503, headers={"Retry-After": "0"})])
    with pytest.raises(SubmitRefused, match="could not be reached") as down:
        _submit(store, settings_for(settings, upstream), "2401.01234")
    assert down.value.reason == "unreachable"
    assert store.count_papers() == 0 and _listed_today(store) == []


def test_a_reader_has_a_daily_limit(settings: Settings, store: Store) -> None:
    store.upsert_papers([replace(OLD, id=f"2301.0000{n}") for n in range(1, 5)])
    limited = replace(settings, submit_limit_per_day=2)
    _submit(store, limited, "2301.00001")
    _submit(store, limited, "2301.00002")
    with pytest.raises(SubmitRefused, match="most allowed") as over:
        _submit(store, limited, "2301.00003")
    assert over.value.reason == "over_limit" and over.value.retry_after
    _submit(store, limited, "2301.00003", who="bob@example.org")  # per reader
    assert sorted(_listed_today(store)) == ["2301.00001", "2301.00002", "2301.00003"]


def test_the_page_submits_for_a_signed_in_reader(settings: Settings, store: Store,
                                                 upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("arxiv_api_page1.xml"))])
    app = create_app(settings_for(settings, upstream), store)
    with TestClient(app) as client:
        assert client.get("/submit", follow_redirects=False).headers["location"].startswith(
            "/signin?next=%2Fsubmit")
        reader, token = sign_in_as(client, store, "grace.hopper@example.org")
        store.set_reader_profile(reader, "Grace H.", False)
        form = client.get("/submit")
        assert 'name="ref"' in form.text
        bad = client.post("/submit", data={"ref": "<b>nope</b>", "csrf_token": token})
        assert bad.status_code == 422
        assert "&lt;b&gt;nope&lt;/b&gt;" in bad.text and "<b>nope</b>" not in bad.text
        done = client.post("/submit", data={"ref": "https://arxiv.org/abs/2401.01234v2",
                                            "csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"].endswith("#paper-2401.01234")
        page = client.get(done.headers["location"])
        assert "Sparse Engines for Analytical Computation" in page.text
        assert "Submitted by Grace H." in page.text
        again = client.post("/submit", data={"ref": "2401.01234", "csrf_token": token})
        assert again.status_code == 409 and "already submitted today" in again.text
        assert client.post("/submit", data={"ref": "2401.01234"}).status_code == 403
        client.cookies.clear()
        public = client.get(done.headers["location"]).text
        assert "Submitted by Grace H." in public and "grace.hopper" not in public


def test_cli_submits_and_says_why_not(tmp_path: Path, upstream: UpstreamServer) -> None:
    upstream.route(PATH, [Reply(body=fixture("arxiv_api_page1.xml"))])
    env = {"PAPERFEED_ARXIV_API_URL": upstream.url(PATH), "PAPERFEED_REQUEST_INTERVAL": "0.01"}
    db = tmp_path / "p.db"
    ok = paperfeed("submit", "arXiv:2401.01234v2", "--by", "Ada@Example.org", db=db, **env)
    assert ok.returncode == 0, ok.stderr
    assert "2401.01234: fetched from arXiv and listed today, submitted by reader-1" in ok.stdout
    again = paperfeed("submit", "2401.01234", "--by", "bob@example.org", db=db, **env)
    assert again.returncode == 1
    assert "refused (already submitted)" in again.stderr
    bad = paperfeed("submit", "nonsense", "--by", "bob@example.org", db=db, **env)
    assert bad.returncode == 1 and "refused (malformed)" in bad.stderr
