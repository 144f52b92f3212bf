"""Hugging Face daily papers (`GET /api/daily_papers?date=YYYY-MM-DD`): the papers the
community picked that day, with their upvotes, GitHub repository and stars, kept as signals
for trending. Parsed from the raw JSON, which has fields the official client drops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from paperfeed.config import Settings
from paperfeed.ingest.codeurls import find_code_urls, normalise
from paperfeed.ingest.fetch import BrokenDocument, Upstream, UpstreamError
from paperfeed.ingest.records import (
    arxiv_links,
    clean_text,
    optional_text,
    parse_datetime,
    required_id,
    required_text,
)
from paperfeed.ingest.run import Progress, Tally
from paperfeed.ingest.validate import check_paper
from paperfeed.models import Author, IngestReport, Paper, Rejected, Version
from paperfeed.store import Store

SOURCE = "hf_daily"
STATE_KEY = f"{SOURCE}:last_date"
REFRESH_DAYS = 3  # upvotes keep growing for days: the last few days are fetched again


def parse_daily(payload: Any, where: str) -> list[Paper | Rejected]:
    """The decoded JSON list of one day; BrokenDocument when it is not a list at all."""
    if not isinstance(payload, list):
        raise BrokenDocument(f"expected a JSON list, got {type(payload).__name__}")
    out: list[Paper | Rejected] = []
    for index, item in enumerate(payload, start=1):
        try:
            out.append(check_paper(parse_item(item)))
        except ValueError as exc:
            out.append(Rejected(f"{where} item {index}", str(exc)))
    return out


def parse_item(item: Any) -> Paper:
    """One daily-papers item ({"paper": {...}, "numComments": ..., ...}) -> Paper."""
    paper = item.get("paper") if isinstance(item, dict) else None
    if not isinstance(paper, dict):
        raise ValueError("an item must hold a 'paper' object")
    paper_id, version = required_id(paper, what="paper 'id'")
    abstract = required_text(paper, "summary")
    repo = _repo(paper.get("githubRepo"))
    project = optional_text(paper.get("projectPage"))
    published = parse_datetime(paper.get("publishedAt"), "publishedAt")
    abs_url, pdf_url = arxiv_links(paper_id)
    return Paper(
        id=paper_id, version=version or 1, title=required_text(paper, "title"),
        abstract=abstract, authors=_authors(paper.get("authors")), published=published,
        versions=(Version(1, published),) if published and (version or 1) == 1 else (),
        url=abs_url, pdf_url=pdf_url,
        code_urls=find_code_urls(abstract, known=[u for u in (repo, project) if u]),
        source=SOURCE, upstream_upvotes=_count(paper.get("upvotes"), "upvotes"),
        github_repo=repo, github_stars=_count(paper.get("githubStars"), "githubStars"),
        ai_keywords=_keywords(paper.get("ai_keywords")))


def _authors(value: Any) -> tuple[Author, ...]:
    if not isinstance(value, list):
        return ()
    names = (clean_text(a.get("name")) if isinstance(a, dict) else clean_text(a) for a in value)
    return tuple(Author(n) for n in names if n)


def _repo(value: Any) -> str | None:
    text = optional_text(value)
    return normalise(text) if text else None


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field}: {value!r} is not a count")
    return value


def _keywords(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(k for k in (clean_text(v) for v in value) if k))


def _read(where: str) -> Callable[[httpx.Response], list[Paper | Rejected]]:
    def read(response: httpx.Response) -> list[Paper | Rejected]:
        try:
            payload = response.json()
        except ValueError as exc:  # cut short, or not JSON at all
            raise BrokenDocument(f"not valid JSON ({exc})") from None
        return parse_daily(payload, where)
    return read


def dates_to_fetch(last: str | None, today: date) -> list[date]:
    """From the last date fetched (re-fetching the last REFRESH_DAYS) through today."""
    first = today - timedelta(days=REFRESH_DAYS - 1)
    if last:
        first = min(first, date.fromisoformat(last))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def harvest(store: Store, settings: Settings, days: Sequence[date] | None = None, *,
            strict: bool = False, progress: Progress | None = None) -> IngestReport:
    """Fetch and store the daily papers of each day (default: since the last run, through
    today, UTC); each day is one transaction, and the last day done is remembered."""
    last = store.get_state(STATE_KEY)
    days = list(days) if days else dates_to_fetch(last, datetime.now(UTC).date())
    tally = Tally(store, SOURCE, strict=strict)
    url = settings.hf_api_url.rstrip("/") + "/api/daily_papers"
    with Upstream(settings, "Hugging Face") as upstream:
        for number, day in enumerate(days, start=1):
            where = f"{url}?date={day.isoformat()}"
            try:
                records = upstream.get(url, {"date": day.isoformat()}, read=_read(where))
            except UpstreamError as exc:
                raise tally.abort(f"{exc}. Days before {day} were saved; run the same "
                                  "command again to fetch the rest.") from None
            tally.add(records)
            if last is None or day.isoformat() > last:
                store.set_state(STATE_KEY, last := day.isoformat())
            if progress is not None:
                progress(len(records), done=number, total=len(days))
    return tally.finish()
