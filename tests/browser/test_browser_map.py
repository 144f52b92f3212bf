"""The map and trends in headless Chromium: the canvas draws, hover and click work, the
charts show, and without script the page still lists the clusters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import VIEWPORTS, Site, screenshot
from mapkit import vectors
from paperfeed.index.mapbuild import build_map

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MODEL = "hash-256"


@pytest.fixture(scope="module")
def mapped(site: Site) -> Iterator[Site]:
    """The site's papers with word-hashing vectors, on a map."""
    papers = list(site.store.iter_papers())
    site.store.put_embeddings(MODEL, [p.id for p in papers],
                              vectors([f"{p.title} {p.abstract}" for p in papers]))
    build_map(site.store, MODEL)
    yield site


def _painted(page: Any) -> int:
    """How many canvas pixels differ from the background."""
    return int(page.evaluate("""() => {
        const c = document.getElementById('map-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4)
          if (d[i] !== 15 || d[i+1] !== 20 || d[i+2] !== 32) n++;
        return n; }"""))


def test_the_map_draws_zooms_hovers_and_opens_a_paper(mapped: Site, page: Any) -> None:
    page.goto(mapped.url + "/map")
    canvas = page.locator("#map-canvas")
    expect(canvas).to_have_attribute("data-ready", str(len(mapped.store.map_points())))
    expect(page.locator("#map-figure")).to_be_visible()
    page.wait_for_timeout(200)
    assert _painted(page) > 100
    screenshot(page, "map")
    page.select_option("#map-colour", "date")
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_timeout(100)
    # hover a drawn point: its title shows; a click opens its paper
    point = page.evaluate("""() => {
        const c = document.getElementById('map-canvas'), d = c.getContext('2d')
          .getImageData(0, 0, c.width, c.height).data, r = c.getBoundingClientRect();
        for (let y = 40; y < c.height - 40; y += 2) for (let x = 40; x < c.width - 40; x += 2) {
          const i = 4 * (y * c.width + x);
          if (d[i + 1] > 60 && !(d[i] === 15 && d[i+1] === 20 && d[i+2] === 32))
            return [r.left + x / devicePixelRatio, r.top + y / devicePixelRatio]; }
        return null; }""")
    assert point is not None
    page.mouse.move(point[0], point[1])
    expect(page.locator("#map-tip")).to_be_visible()
    title = page.locator("#map-tip").inner_text().split(" — ")[0]
    page.mouse.click(point[0], point[1])
    page.wait_for_url("**/papers/**")
    assert page.locator("h1").inner_text().strip()[:20] == title.strip()[:20]


def test_a_search_highlights_its_matches_on_the_map(mapped: Site, page: Any) -> None:
    page.goto(mapped.url + "/map?q=neural+network")
    expect(page.locator("#map-status")).to_contain_text("highlighted")
    expect(page.locator(".map-overlay h2")).to_contain_text("match")
    screenshot(page, "map-search")


def test_the_map_fits_a_phone_and_pinches(mapped: Site, page: Any) -> None:
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(mapped.url + "/map")
    expect(page.locator("#map-canvas")).to_have_attribute("data-ready", str(
        len(mapped.store.map_points())))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#map-canvas").bounding_box()
    assert box["width"] <= 360 and box["height"] >= 250


def test_without_script_the_map_page_lists_clusters(mapped: Site, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        page.goto(mapped.url + "/map")
        expect(page.locator("#map-figure")).to_be_hidden()
        links = page.locator("ol.clusters a")
        assert links.count() == len(mapped.store.map_clusters())
        screenshot(page, "map-noscript")
        links.first.click()
        expect(page.locator("svg.chart")).to_be_visible()
        screenshot(page, "map-cluster")
    finally:
        context.close()


def test_trends_show_charts_with_text(mapped: Site, page: Any) -> None:
    page.goto(mapped.url + "/trends")
    expect(page.locator("h1")).to_have_text("Trends")
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    assert "Papers per week" in (chart.get_attribute("aria-label") or "")
    assert page.locator("table.trends").count() >= 1
    screenshot(page, "trends")
    page.set_viewport_size(VIEWPORTS["phone"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
