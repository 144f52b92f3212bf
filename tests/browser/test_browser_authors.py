"""Author pages and richer cards in headless Chromium, desktop and phone: a card's author
link opens the author's page, spellings merged are shown, the author: search is one click."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import Site, screenshot
from paperfeed.index.derive import derive_cards
from paperfeed.models import Author, Paper

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HOSTILE = '<img src=x onerror="window.__xss=7">'


@pytest.fixture(scope="module", autouse=True)
def authors(site: Site) -> None:
    now = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    site.store.upsert_papers([
        Paper(id=f"kegl-{n}", title=title, abstract=abstract, published=now,
              authors=(Author(name), Author(HOSTILE if n == 2 else "Ada Lovelace")),
              categories=cats, code_urls=("https://kegl.github.io/anomaly",), github_stars=42)
        for n, (name, title, cats, abstract) in enumerate([
            ("Balázs Kégl", "Anomaly detection in particle physics", ("hep-ex", "cs.LG"),
             "Anomalies are rare. In this paper, we propose a detector for rare events."),
            ("B. Kegl", "Boosting for classification", ("cs.LG",),
             "Boosting has been studied widely. We introduce a boosting method with margins."),
            ("Balazs Kegl", "Principal curves revisited", ("stat.ML",),
             "Curves summarise data. We present an algorithm for principal curves."),
        ])])
    derive_cards(site.store)


def test_author_page_from_a_card(site: Site, page: Any) -> None:
    page.goto(f"{site.url}/papers/kegl-0")
    expect(page.locator(".summary")).to_contain_text("we propose a detector for rare events")
    expect(page.locator(".summary abbr")).to_have_text("Extractive summary")
    expect(page.get_by_role("link", name="Project page")).to_have_attribute(
        "href", "https://kegl.github.io/anomaly")
    expect(page.locator(".stars")).to_contain_text("42")
    page.locator(".paper-head .authors").get_by_role("link", name="Balázs Kégl").click()
    expect(page.locator("h1")).to_have_text("Balázs Kégl")
    expect(page.locator(".author-head .count")).to_contain_text("3 papers")
    titles = page.locator("article.card h2")
    expect(titles).to_have_count(3)
    page.get_by_text("3 spellings merged").click()
    expect(page.locator(".spellings li")).to_have_count(3)
    expect(page.locator(".author-side")).to_contain_text("Ada Lovelace")
    assert page.evaluate("window.__xss") is None
    screenshot(page, "author")
    page.locator(".author-search").click()
    assert "/search?q=author" in page.url
    expect(page.locator("article.card h2").first).to_be_visible()


def test_keyphrases_link_to_searches(site: Site, page: Any) -> None:
    page.goto(f"{site.url}/authors/B.%20Kegl")
    card = page.locator("article.card").filter(has_text="Boosting for classification")
    chip = card.locator(".keyphrases a").first
    expect(chip).to_be_visible()
    chip.click()
    assert "/search?q=%22" in page.url
    assert page.locator("article.card").count() >= 1
    screenshot(page, "keyphrase-search")
