"""The reader's own feed in headless Chromium: onboarding, signal buttons with and without
script, /for-you with reasons, /saved and /account."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from browser.live import Site, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(site: Site, page: Any, email: str) -> None:
    page.goto(site.url + "/signin?next=/for-you")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    page.goto(site.signin_link(email))
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_onboarding_then_a_feed_with_reasons_and_buttons(site: Site, page: Any,
                                                         browser: Any) -> None:
    _sign_in(site, page, "onboard@example.org")
    expect(page.locator("h1")).to_have_text("Teach your feed")  # no signals: onboarding
    assert page.url.endswith("/onboarding")
    expect(page.locator("#learned")).to_contain_text("learned from 0 signals")
    page.get_by_label("Search for papers you have read or written").fill(
        "model immunization condition number")
    page.get_by_role("button", name="Find").click()
    first = page.locator("article.card").first
    expect(first.locator("h2")).to_contain_text("Model Immunization")
    like = first.get_by_role("button", name="I know this: like")
    url = page.url
    like.click()
    expect(first.locator("button[data-kind=like]")).to_have_attribute("aria-pressed", "true")
    expect(first.locator("button[data-kind=like]")).to_have_text("Liked")
    assert page.url == url  # sent in the background, no reload
    expect(page.get_by_label("cs.LG")).not_to_be_checked()  # the sample has no categories
    page.get_by_label("Topics, one per line").fill("fine-tuning safety")
    screenshot(page, "onboarding")
    page.get_by_role("button", name="Save my interests").click()
    expect(page.locator("h1")).to_have_text("For you")
    page.goto(site.url + "/for-you?days=7")
    cards = page.locator("article.card")
    assert cards.count() >= 1
    expect(cards.first.locator(".reason")).to_contain_text("Why:")
    screenshot(page, "for-you")

    card = cards.first
    pid = card.locator(".marks").get_attribute("data-paper")
    card.get_by_role("button", name="Save").click()
    expect(card.locator("button[data-kind=save]")).to_have_attribute("aria-pressed", "true")
    card.get_by_role("button", name="Hide").click()
    expect(card).to_have_class("card is-hidden")
    expect(card.locator("button[data-kind=save]")).to_have_attribute("aria-pressed", "false")
    reader = site.store.get_or_create_reader("onboard@example.org")
    assert site.store.signal_states(reader, [pid]) == {pid: {"hide"}}

    # Without JavaScript the same buttons are plain form posts that come back to the page
    # (on /for-you a paper marked "more like this" then leaves the feed: it is a liked one).
    plain = browser.new_context(java_script_enabled=False)
    plain.add_cookies(page.context.cookies())
    nojs = plain.new_page()
    nojs.goto(site.url + "/for-you?days=7")
    nojs_pid = nojs.locator("article.card .marks").first.get_attribute("data-paper")
    nojs.goto(f"{site.url}/papers/{nojs_pid}")
    nojs.get_by_role("button", name="More like this").click()
    expect(nojs.locator("button[data-kind=more]")).to_have_attribute("aria-pressed", "true")
    assert nojs.url.startswith(f"{site.url}/papers/{nojs_pid}")
    plain.close()
    assert "more" in site.store.signal_states(reader, [nojs_pid])[nojs_pid]


def test_saved_and_account_pages(site: Site, page: Any) -> None:
    _sign_in(site, page, "saver@example.org")
    page.goto(site.url + "/papers/seed-002")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("button[data-kind=save]")).to_have_attribute("aria-pressed", "true")
    page.goto(site.url + "/saved")
    expect(page.locator("article.card")).to_have_count(1)
    screenshot(page, "saved")
    page.locator("header .who").click()
    expect(page.locator("h1")).to_have_text("Your account")
    old = page.locator("#feed-atom").inner_text()
    assert "/feeds/for-you/" in old
    page.get_by_role("button", name="Replace this address (the old one stops working)").click()
    expect(page.locator("#feed-atom")).not_to_have_text(old)
    screenshot(page, "account")
    response = page.request.get(old)
    assert response.status == 404
