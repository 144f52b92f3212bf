"""Fixtures of the browser tests, defined in live.py: the running site, Chromium, a page."""

from browser.live import browser, page, problems, site  # noqa: F401 (fixtures)
