"""The page in headless Chromium: tabs, search, LaTeX, sign-in, votes, keyboard, XSS, phones."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import HUGE_LATEX_ID, LATEX_ID, XSS_TITLE, Site, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_home_tabs_switch_listings(site: Site, page: Any) -> None:
    page.goto(site.url + "/")
    expect(page.locator("h1")).to_have_text("Trending papers")
    assert page.locator("article.card").count() >= 10
    screenshot(page, "home")
    tabs = page.locator("nav.tabs")
    for label, path in (("Daily", "/daily"), ("Weekly", "/weekly"), ("Monthly", "/monthly")):
        tabs.get_by_role("link", name=label).click()
        assert page.url.split("/")[3] == path.strip("/")
        expect(tabs.locator("[aria-current=page]")).to_have_text(label)
        assert page.locator("article.card").count() >= 1
    screenshot(page, "monthly")
    page.get_by_role("link", name="← Previous month").click()
    page.get_by_role("link", name="Next month →").click()
    tabs.get_by_role("link", name="Daily").click()
    page.get_by_role("link", name="← Previous day").click()
    screenshot(page, "daily")
    tabs.get_by_role("link", name="Trending").click()
    expect(page.locator("h1")).to_have_text("Trending papers")


def test_search_puts_the_right_paper_first(site: Site, page: Any) -> None:
    page.goto(site.url + "/")
    box = page.get_by_role("searchbox", name="Search papers")
    box.fill("model immunization condition number")
    box.press("Enter")
    first = page.locator("article.card h2").first
    expect(first).to_contain_text("Model Immunization from a Condition Number Perspective")
    assert first.locator("mark").count() >= 2
    expect(page.locator("p.count")).to_contain_text("result")
    screenshot(page, "search")
    page.goto(site.url + "/search?q=zzzzqqqq+xxyyzz&mode=keyword")
    expect(page.locator(".empty")).to_contain_text("No papers match")
    screenshot(page, "search-empty")


def test_paper_page_renders_latex_as_mathml(site: Site, page: Any) -> None:
    page.goto(f"{site.url}/papers/{LATEX_ID}")
    maths = page.locator("math")
    assert maths.count() >= 5
    assert page.evaluate("document.querySelector('.abstract-full math').namespaceURI") == \
        "http://www.w3.org/1998/Math/MathML"
    box = page.locator(".abstract-full math").first.bounding_box()
    assert box is not None and box["width"] > 5 and box["height"] > 5
    assert "$" not in page.locator(".abstract-full").inner_text()
    expect(page.get_by_role("link", name="PDF")).to_have_attribute(
        "href", f"https://arxiv.org/pdf/{LATEX_ID}")
    screenshot(page, "paper")


def _sign_in(site: Site, page: Any, email: str, start: str) -> None:
    page.goto(site.url + start)
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    page.goto(site.signin_link(email))
    screenshot(page, "signin-confirm")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator(".account .who")).to_have_text(email)
    assert page.url == site.url + start


def test_sign_in_by_magic_link_then_vote_and_unvote(site: Site, page: Any,
                                                    browser: Any) -> None:
    paper = "/papers/seed-002"
    page.goto(site.url + "/signin")
    screenshot(page, "signin")
    _sign_in(site, page, "reader@example.org", paper)
    button = page.locator("form.vote button").first
    count = button.locator(".count")
    expect(count).to_have_text("0")
    button.click()
    expect(count).to_have_text("1")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator("form.vote button .count").first).to_have_text("1")
    expect(page.locator("form.vote button").first).to_have_attribute("aria-pressed", "true")
    screenshot(page, "paper-voted")
    page.locator("form.vote button").first.click()
    expect(page.locator("form.vote button .count").first).to_have_text("0")
    page.reload()
    expect(page.locator("form.vote button .count").first).to_have_text("0")
    assert site.store.vote_counts(["seed-002"]) == {}

    # Without JavaScript the same button is a plain form post.
    plain = browser.new_context(java_script_enabled=False)
    plain.add_cookies(page.context.cookies())
    nojs = plain.new_page()
    nojs.goto(site.url + paper)
    nojs.locator("form.vote button").first.click()
    expect(nojs.locator("form.vote button .count").first).to_have_text("1")
    assert nojs.url.startswith(site.url + paper)
    nojs.locator("form.vote button").first.click()
    expect(nojs.locator("form.vote button .count").first).to_have_text("0")
    plain.close()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_keyboard_reaches_search_and_links_with_visible_focus(site: Site, page: Any) -> None:
    page.goto(site.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").bounding_box()["y"] >= 0  # shown when focused
    for _ in range(5):
        if page.evaluate("document.activeElement.id") == "site-q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "site-q"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.card h2')"):
            break
    assert page.evaluate("!!document.activeElement.closest('.card h2')")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/**")


def test_hostile_text_is_shown_and_never_run(site: Site, page: Any) -> None:
    for path in ("/", "/search?q=window+xss&mode=keyword", "/papers/xss-001"):
        page.goto(site.url + path)
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.get_by_text(XSS_TITLE, exact=False).count() >= 1 or \
            page.locator("h1, h2").filter(has_text="window.__xss=1").count() >= 1
        assert page.locator("a[href^='javascript:']").count() == 0
    expect(page.locator("h1")).to_have_text(XSS_TITLE)
    screenshot(page, "hostile")


def test_phone_layout_has_no_horizontal_scroll(site: Site, page: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/", "/search?q=transformers", f"/papers/{LATEX_ID}", "/signin"):
        page.goto(site.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


def test_latex_sizes_cannot_stretch_the_page(site: Site, page: Any) -> None:
    """Formulas asking for spaces thousands of ems wide or tall keep every page its size."""
    for path in ("/", "/daily", f"/papers/{HUGE_LATEX_ID}", "/search?q=spaces+size&mode=keyword"):
        page.goto(site.url + path)
        assert page.locator(f"#paper-{HUGE_LATEX_ID}, .abstract-full").count() >= 1, path
        height = page.evaluate("document.documentElement.scrollHeight")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert height < 20_000 and width <= 1280, (path, height, width)
        for box in page.eval_on_selector_all(
                "math", "els => els.map(e => [e.getBoundingClientRect().width, "
                "e.getBoundingClientRect().height])"):
            assert box[0] <= 1280 and box[1] <= 400, (path, box)


def test_api_docs_run_under_their_script_policy(site: Site, page: Any) -> None:
    """Swagger UI renders with script-src 'self' only (a blocked script would log an error)."""
    page.goto(site.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("paperfeed", timeout=15_000)
    expect(page.locator(".opblock").first).to_be_visible()
