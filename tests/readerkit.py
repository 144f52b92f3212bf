"""Helpers for tests of a signed-in reader's pages and API: a session the app itself signs
(the magic-link flow that issues it is tested in test_web_auth.py) and the CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.web.auth import SESSION_COOKIE, Reader

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in_as(client: TestClient, store: Store, email: str) -> tuple[int, str]:
    """Start a session for email (as /signin/verify would); (reader id, CSRF token)."""
    app = client.app
    reader_id = store.get_or_create_reader(email)
    session = app.state.auth.session_value(  # type: ignore[attr-defined]
        Reader(reader_id, email), store.session_epoch(reader_id) or 0)
    client.cookies.set(SESSION_COOKIE, session)
    return reader_id, csrf(client.get("/signin").text)


def topical_papers(now: datetime | None = None) -> list[Paper]:
    """Two clear fields (robot grasping, protein folding), a paper a day for the last days."""
    now = now or datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    robots = ["Robot grasping with tactile sensors", "Dexterous robot hand grasping of objects",
              "Learning robot grasping policies from demonstrations",
              "Tactile feedback for robot manipulation and grasping"]
    proteins = ["Protein folding with diffusion models", "Predicting protein structure folding",
                "Protein design and folding energy landscapes",
                "Folding of protein chains with language models"]
    papers = []
    for i, title in enumerate(robots):
        papers.append(Paper(id=f"robot-{i}", title=title, categories=("cs.RO",),
                            abstract=f"{title}. A robot learns grasping and manipulation.",
                            authors=(), published=now - timedelta(days=i % 2)))
    for i, title in enumerate(proteins):
        papers.append(Paper(id=f"protein-{i}", title=title, categories=("q-bio.BM",),
                            abstract=f"{title}. Protein folding and structure prediction.",
                            authors=(), published=now - timedelta(days=i % 2)))
    return papers
