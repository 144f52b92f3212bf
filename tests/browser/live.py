"""The live site for browser tests: the real app under uvicorn, a real SMTP server, Chromium.

Without /usr/bin/chromium (or the playwright package) these tests skip, except under CI=true,
where they fail: CI must show that the browser tests ran. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from paperfeed.config import Settings, load_settings
from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Paper
from paperfeed.store import Store, open_store
from paperfeed.web.app import create_app
from smtp import SmtpServer, free_port

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample_papers.jsonl"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS_TITLE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
LATEX_ID = "2401.99999"
HUGE_LATEX_ID = "latex-huge"
HUGE_LATEX = (r"Spaces of any size: $\rule{1em}{3000em}$, $\hspace{5000em}$, $a\kern 3000em b$, "
              r"$\mkern30000mu$, $\hspace{-5000em}x$ and $$\rule{3000em}{1em}$$ end here.")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI=true requires the browser tests to run", pytrace=False)
    pytest.skip(reason)


def seed(store: Store) -> None:
    """The sample papers, dated over the last forty days, plus a LaTeX paper and a hostile one."""
    now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    papers = [replace(p, published=now - timedelta(days=i % 40))
              for i, p in enumerate(r for r in read_jsonl(SAMPLE) if isinstance(r, Paper))]
    import_records(store, papers, source="sample")
    store.upsert_papers([
        Paper(id=LATEX_ID, title=r"Sharp bounds for $\ell_2$ regression",
              abstract=r"We prove that $\alpha^2 \leq \beta$ whenever $$\sum_{i=1}^{n} x_i = 1$$"
                       r" holds, improving \(O(n^2)\) to $O(n \log n)$.",
              authors=(), categories=("math.ST", "stat.ML"), published=now),
        Paper(id="xss-001", title=XSS_TITLE,
              abstract='Hostile <img src=x onerror="window.__xss=3"> text <b>bold</b>.',
              code_urls=("javascript:window.__xss=4",), url="javascript:window.__xss=5",
              published=now),
        Paper(id=HUGE_LATEX_ID, title=r"Huge $\rule{1em}{3000em}$ spaces", abstract=HUGE_LATEX,
              published=now),
    ])


@dataclass
class Site:
    """The running app: its URL, store and the SMTP server its mails go to."""

    url: str
    store: Store
    smtp: SmtpServer

    def signin_link(self, email: str) -> str:
        for _ in range(50):
            mails = self.smtp.to(email)
            if mails:
                body = mails[-1].get_content()
                return str(body.split("\n\n")[1].strip())
            time.sleep(0.1)
        raise AssertionError(f"no sign-in mail reached {email}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    port = free_port()
    smtp = SmtpServer().start()
    settings: Settings = smtp.configure(load_settings(
        environ={}, database_url=f"sqlite:///{folder / 'site.db'}",
        base_url=f"http://127.0.0.1:{port}"))
    store = open_store(settings.database_url)
    seed(store)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", store, smtp)
    finally:
        server.should_exit = True
        thread.join(10)
        smtp.stop()
        store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Problems(list[str]):
    """Console errors and uncaught exceptions a page reported."""


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(browser: Any, problems: Problems) -> Iterator[Any]:
    """A fresh browser context and page; the test fails if the page logged any error."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    yield page
    context.close()
    assert not problems, json.dumps(problems, indent=1)


def screenshot(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone widths into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(VIEWPORTS["desktop"])
