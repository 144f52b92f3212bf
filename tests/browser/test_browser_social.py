"""What readers write for each other, in headless Chromium: a collection made from a paper
page and a card, ordered, noted, published and read signed out; the discussion under a paper
(post, reply, hostile text stays text); desktop and phone screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import LATEX_ID, VIEWPORTS, XSS_TITLE, Site, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(site: Site, page: Any, email: str, then: str) -> None:
    page.goto(site.url + "/signin?next=" + then)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    page.goto(site.signin_link(email))
    page.get_by_role("button", name="Sign in", exact=True).click()


def _fits_the_phone(page: Any) -> None:
    page.set_viewport_size(VIEWPORTS["phone"])
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(
        e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 8).map(
        e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert width <= VIEWPORTS["phone"]["width"], f"the page is {width}px wide on a phone: {wide}"
    page.set_viewport_size(VIEWPORTS["desktop"])


def test_a_collection_from_paper_page_and_card_then_public(site: Site, page: Any,
                                                           browser: Any) -> None:
    _sign_in(site, page, "lists@example.org", f"/papers/{LATEX_ID}")
    expect(page.locator("h1")).to_contain_text("Sharp bounds")
    head = page.locator("header.paper-head")
    head.get_by_text("Add to collection").click()
    head.get_by_label("New collection").fill("Bounds <b>and</b> more")
    head.get_by_label("Note (optional)").fill("*Start* here: $\\alpha^2$")
    head.get_by_role("button", name="Add").click()
    expect(page.locator("h1")).to_contain_text("Sharp bounds")  # back where we were

    page.goto(site.url + "/daily")
    others = "".join(f":not([id='paper-{pid}'])" for pid in (LATEX_ID, "xss-001", "latex-huge"))
    card = page.locator("article.card" + others).first  # a sample paper
    second_title = card.locator("h2").inner_text()
    card.get_by_text("Add to collection").click()
    card.get_by_role("button", name="Add").click()  # into the existing collection

    page.goto(site.url + "/collections")
    page.get_by_role("link", name="Bounds <b>and</b> more").click()
    titles = page.locator("article.card h2")
    expect(titles).to_have_count(2)
    expect(titles.nth(1)).to_have_text(second_title)
    expect(page.locator(".note").first.locator("em")).to_have_text("Start")
    assert page.locator(".note math").count() == 1
    page.get_by_role("button", name=f"Move {second_title} up").click()
    expect(page.locator("article.card h2").first).to_have_text(second_title)
    settings = page.locator(".collection-settings")
    settings.get_by_text("Rename, share or delete").click()
    settings.get_by_label("Public").check()
    settings.get_by_role("button", name="Save changes").click()
    expect(page.locator(".collection-head")).to_contain_text("Public collection")
    _fits_the_phone(page)
    screenshot(page, "collection-owner")
    url = page.url

    visitor = browser.new_context(viewport=VIEWPORTS["desktop"])
    other = visitor.new_page()
    other.goto(url)
    expect(other.locator("h1")).to_have_text("Bounds <b>and</b> more")
    expect(other.locator("article.card h2").first).to_have_text(second_title)
    assert other.get_by_role("button", name="Remove").count() == 0
    feed = other.locator('link[rel=alternate][type="application/atom+xml"]')
    assert feed.get_attribute("href").endswith(".atom")
    _fits_the_phone(other)
    screenshot(other, "collection-public")
    visitor.close()


def test_discussion_post_reply_and_hostile_text(site: Site, page: Any) -> None:
    _sign_in(site, page, "talk@example.org", f"/papers/{LATEX_ID}")
    form = page.locator("form.new-comment")
    form.get_by_label("Add a comment").fill("Is **this** tight?\n\n- for $n > 2$\n- " +
                                            XSS_TITLE + "\n\n[src](javascript:alert(1))")
    form.get_by_role("button", name="Post comment").click()
    comment = page.locator("article.comment").first
    expect(comment.locator("strong").nth(1)).to_have_text("this")
    assert comment.locator("li math").count() == 1
    expect(comment.locator("li").nth(1)).to_contain_text("window.__xss=1")
    assert comment.locator("a[href^=javascript]").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    comment.get_by_text("Reply", exact=True).click()
    comment.get_by_label("Your reply").fill("Yes, see `lemma 3`.")
    comment.get_by_role("button", name="Post reply").click()
    expect(page.locator("ol.replies article.comment code")).to_have_text("lemma 3")
    expect(page.locator("#discussion-title")).to_contain_text("(2)")
    _fits_the_phone(page)
    screenshot(page, "discussion")
