"""The pages, served by the real app in-process: listings, search, paper pages, safety, cache."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperfeed.config import Settings
from paperfeed.models import Author, Paper, Version
from paperfeed.store import Store
from paperfeed.web.app import create_app

HTML = {"Accept": "text/html"}
TODAY = datetime.now(UTC).date()


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="title"><a href="[^"]*">(.*?)</a></h2>', html)


def paper(pid: str, title: str, day: date | None = None, **kw: object) -> Paper:
    published = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) if day else None
    fields: dict[str, object] = {"abstract": f"Abstract of {title}.", "published": published}
    return Paper(id=pid, title=title, **(fields | kw))  # type: ignore[arg-type]


@pytest.fixture
def small(settings: Settings, store: Store) -> Iterator[TestClient]:
    """The app with two papers per page."""
    with TestClient(create_app(replace(settings, page_size=2), store)) as client:
        yield client


def test_home_lists_trending_papers_with_links_to_their_pages(client: TestClient,
                                                              store: Store) -> None:
    store.upsert_papers([
        paper("2601.00001", "Older paper", TODAY - timedelta(days=3),
              authors=(Author("A. Old"),)),
        paper("2601.00002", "Newer paper", TODAY - timedelta(days=1),
              code_urls=("https://github.com/n/ew",)),
    ])
    page = client.get("/")
    assert page.status_code == 200
    assert titles(page.text) == ["Newer paper", "Older paper"]
    assert 'href="/papers/2601.00002"' in page.text
    assert "A. Old" in page.text and 'href="https://github.com/n/ew"' in page.text
    assert 'aria-current="page">Trending' in page.text


def test_home_shows_the_newest_papers_when_none_has_a_date(client: TestClient,
                                                           store: Store) -> None:
    store.upsert_papers([paper("seed-001", "Undated one"), paper("seed-002", "Undated two")])
    page = client.get("/").text
    assert set(titles(page)) == {"Undated one", "Undated two"}
    assert "newest papers" in page


def test_trending_is_anchored_at_the_newest_papers_when_the_data_is_old(
        client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("2508.00001", "Old news", date(2025, 8, 21))])
    page = client.get("/trending").text
    assert titles(page) == ["Old news"] and "21 August 2025" in page


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_the_trending_feed_shows_what_the_trending_page_shows(
        client: TestClient, store: Store, kind: str) -> None:
    store.upsert_papers([paper("2508.00001", "Old news", date(2025, 8, 21)),
                         paper("2508.00002", "Older news", date(2025, 8, 20))])
    page = titles(client.get("/trending").text)
    feed = client.get(f"/feeds/trending.{kind}").text
    shown = re.findall(r"<title[^>]*>([^<]*news)</title>", feed)
    assert page == ["Old news", "Older news"] and shown == page


def test_empty_database_explains_what_to_do(client: TestClient) -> None:
    assert "paperfeed ingest jsonl" in client.get("/").text


def test_daily_tab_shows_the_newest_day_and_skips_empty_days(client: TestClient,
                                                             store: Store) -> None:
    store.upsert_papers([paper("a", "Friday paper", date(2026, 8, 14)),
                         paper("b", "Monday paper", date(2026, 8, 17)),
                         paper("c", "Tuesday paper", date(2026, 8, 18))])
    latest = client.get("/daily").text
    assert titles(latest) == ["Tuesday paper"] and "Tuesday 18 August 2026" in latest
    assert 'href="/daily/2026-08-17"' in latest
    monday = client.get("/daily/2026-08-17").text
    assert titles(monday) == ["Monday paper"]
    assert 'rel="prev" href="/daily/2026-08-14"' in monday
    assert 'rel="next" href="/daily/2026-08-18"' in monday


def test_weekly_and_monthly_tabs(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("a", "Week 33", date(2026, 8, 14)),
                         paper("b", "Week 34", date(2026, 8, 17)),
                         paper("c", "July", date(2026, 7, 30))])
    week = client.get("/weekly/2026-W34").text
    assert titles(week) == ["Week 34"] and 'href="/weekly/2026-W33"' in week
    month = client.get("/monthly/2026-08").text
    assert sorted(titles(month)) == ["Week 33", "Week 34"]
    assert 'rel="prev" href="/monthly/2026-07"' in month
    assert 'href="/weekly/2026-W31"' in month  # the Weekly tab stays near the month shown


def test_listing_sorted_by_date_and_paged(small: TestClient, store: Store) -> None:
    day = date(2026, 8, 17)
    store.upsert_papers([paper(f"p{i}", f"Paper {i}", day, published=datetime(
        2026, 8, 17, i, tzinfo=UTC)) for i in range(1, 6)])
    first = small.get("/daily/2026-08-17?sort=date").text
    assert titles(first) == ["Paper 5", "Paper 4"]
    assert 'href="/daily/2026-08-17?sort=date&amp;page=2"' in first
    assert titles(small.get("/daily/2026-08-17?sort=date&page=3").text) == ["Paper 1"]


@pytest.mark.parametrize("path", ["/daily/2026-02-30", "/weekly/2026-W99", "/monthly/nope",
                                  "/papers/no-such-paper"])
def test_unknown_pages_are_404_html(client: TestClient, path: str) -> None:
    page = client.get(path, headers=HTML)
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text


def test_bad_parameters_get_a_readable_page(client: TestClient) -> None:
    page = client.get("/daily?sort=sideways", headers=HTML)
    assert page.status_code == 422 and "not allowed" in page.text


def test_ingested_markup_is_shown_as_text(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("x", "<script>alert(1)</script>", TODAY,
                               abstract='<img src=x onerror="alert(2)">',
                               code_urls=("javascript:alert(3)",),
                               url="javascript:alert(4)")])
    for path in ("/", "/papers/x", "/search?q=script"):
        text = client.get(path).text
        assert "<script>alert(1)" not in text and "&gt;alert(1)&lt;" in text
        assert "<img src=x" not in text
        assert "javascript:" not in text


def test_paper_page_renders_latex_and_links(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper(
        "2401.01234", r"Bounds on $\ell_2$ norms", date(2024, 1, 3),
        abstract=r"We prove $\alpha^2 \leq \beta$ for all $n$.",
        authors=(Author("Ada Lovelace", "Analytical Engines"),), categories=("cs.LG", "math.OC"),
        versions=(Version(1, datetime(2024, 1, 3, tzinfo=UTC)),
                  Version(2, datetime(2024, 2, 1, tzinfo=UTC))), version=2,
        code_urls=("https://github.com/ada/bounds",), doi="10.1000/xyz")])
    page = client.get("/papers/2401.01234").text
    assert page.count("<math") >= 3 and "<mo>≤</mo>" in page
    assert 'href="https://arxiv.org/abs/2401.01234"' in page
    assert 'href="https://arxiv.org/pdf/2401.01234"' in page
    assert 'href="https://doi.org/10.1000/xyz"' in page
    assert "Ada Lovelace" in page and "Analytical Engines" in page
    assert "v2 (1 February 2024)" in page and "cs.LG" in page
    assert "Similar papers" in page


def test_non_arxiv_papers_get_no_arxiv_links(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("seed-001", "Seed", url="https://example.org/seed")])
    page = client.get("/papers/seed-001").text
    assert "arxiv.org" not in page and 'href="https://example.org/seed"' in page


def test_old_style_arxiv_ids_have_pages(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("hep-th/9901001", "Strings")])
    page = client.get("/papers/hep-th/9901001")
    assert page.status_code == 200 and "https://arxiv.org/abs/hep-th/9901001" in page.text


def test_search_finds_and_highlights(client: TestClient, store: Store) -> None:
    store.upsert_papers([
        paper("a", "Model immunization from a condition number perspective", TODAY,
              abstract="Immunized models are hard to fine-tune on harmful tasks."),
        paper("b", "Gardening with robots", TODAY, abstract="Robots plant tomatoes."),
    ])
    page = client.get("/search?q=immunization+harmful&mode=keyword").text
    assert titles(page)[0].startswith("Model <mark>immunization</mark>")
    assert "<mark>harmful</mark>" in page
    assert re.search(r"1 result\b", page)


def test_search_filters_by_category_and_code(client: TestClient, store: Store) -> None:
    store.upsert_papers([
        paper("a", "Robots in CV", TODAY, categories=("cs.CV",)),
        paper("b", "Robots in RO", TODAY, categories=("cs.RO",),
              code_urls=("https://github.com/r/o",)),
    ])
    assert titles(client.get("/search?q=robots&mode=keyword&category=cs.CV").text) == [
        "<mark>Robots</mark> in CV"]
    assert titles(client.get("/search?q=robots&mode=keyword&has_code=1").text) == [
        "<mark>Robots</mark> in RO"]


def test_search_without_results_helps(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("a", "Robots", TODAY, categories=("cs.RO",))])
    page = client.get("/search?q=zebrafish&mode=keyword&category=cs.CV").text
    assert "No papers match" in page
    assert "Search every category" in page and "Try hybrid search" in page


def test_search_page_without_query_shows_tips(client: TestClient) -> None:
    page = client.get("/search").text
    assert "Search tips" in page and "author:" in page


def test_search_reports_a_bad_date_instead_of_failing(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("a", "Robots", TODAY)])
    page = client.get("/search?q=robots&from=yesterday")
    assert page.status_code == 200 and "is not a date" in page.text


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_pages_load_nothing_from_other_sites(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("2401.01234", "A paper", TODAY)])
    for path in ("/", "/search?q=paper", "/papers/2401.01234", "/signin"):
        html = client.get(path).text
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)


def test_signed_out_pages_are_cached_until_the_data_changes(client: TestClient,
                                                            store: Store) -> None:
    store.upsert_papers([paper("p1", "Cached paper", TODAY)])
    first = client.get("/")
    assert 'class="count">0<' in first.text
    again = client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    store.toggle_vote(store.get_or_create_reader("someone@example.org"), "p1")
    after = client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200 and 'class="count">1<' in after.text


def test_cached_pages_are_gzipped_for_clients_that_accept_it(client: TestClient,
                                                             store: Store) -> None:
    store.upsert_papers([paper("p1", "Zipped paper", TODAY)])
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "Zipped paper" in page.text


def test_signed_out_pages_set_no_cookies(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("p1", "A paper", TODAY)])
    for path in ("/", "/daily", "/papers/p1", "/search?q=paper"):
        assert "set-cookie" not in client.get(path).headers


def test_subscribe_banner_is_honest(client: TestClient) -> None:
    page = client.get("/").text
    assert "Get trending papers in your email inbox once a day!" in page
    routes = {getattr(r, "path", None) for r in client.app.routes}  # type: ignore[attr-defined]
    if "/subscribe" in routes:
        assert 'action="/subscribe"' in page
    else:
        assert "not open on this instance yet" in page


def test_page_scripts_stay_within_the_50_kb_budget() -> None:
    import paperfeed.web

    static = Path(paperfeed.web.__file__).parent / "static"
    assert 0 < sum(p.stat().st_size for p in static.rglob("*.js")) <= 50_000


def test_static_files_linked_with_a_version_are_cached_for_good(client: TestClient) -> None:
    link = re.search(r'href="(/static/style\.css\?v=\w+)"', client.get("/").text)
    assert link is not None
    assert "immutable" in client.get(link.group(1)).headers["cache-control"]


def test_newest_papers_page_on_when_nothing_is_dated(small: TestClient, store: Store) -> None:
    store.upsert_papers([paper(f"seed-{i}", f"Undated {i}") for i in range(1, 6)])
    assert titles(small.get("/").text) == ["Undated 5", "Undated 4"]
    assert titles(small.get("/?page=3").text) == ["Undated 1"]


def test_semantic_search_never_fails_without_a_model(client: TestClient, store: Store) -> None:
    store.upsert_papers([paper("a", "Robots that garden", TODAY)])
    page = client.get("/search?q=robots&mode=semantic")
    assert page.status_code == 200
    if getattr(client.app.state, "embedder", None) is None:  # type: ignore[attr-defined]
        assert "Semantic search is not available" in page.text
        assert titles(page.text) == ["<mark>Robots</mark> that garden"]
