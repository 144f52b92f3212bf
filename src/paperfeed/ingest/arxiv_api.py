"""The arXiv API (Atom over HTTP): recent papers of some categories, newest first, paged.

Parsing is pure (parse_feed) and uses feedparser, plus ElementTree for the one thing
feedparser loses: which affiliation belongs to which author.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import xml.sax
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import feedparser
import httpx

from paperfeed.config import Settings
from paperfeed.errors import IngestError
from paperfeed.ingest.codeurls import find_code_urls
from paperfeed.ingest.fetch import BrokenDocument, Upstream, UpstreamError
from paperfeed.ingest.records import (
    clean_text,
    is_category,
    optional_text,
    parse_datetime,
    split_arxiv_id,
)
from paperfeed.ingest.run import Progress, Tally
from paperfeed.ingest.validate import check_paper
from paperfeed.models import Author, IngestReport, Paper, Rejected, Version
from paperfeed.store import Store

SOURCE = "arxiv_api"
PAGE_SIZE = 200  # arXiv allows up to 2000 per request; smaller pages fail less
LOOKBACK_DAYS = 7  # how far back a first run without --since reaches
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


@dataclass(frozen=True)
class Page:
    """One page of results: what the feed says in total, and its entries parsed."""

    total: int
    start: int
    entries: tuple[Paper | Rejected, ...]


def state_key(categories: Sequence[str]) -> str:
    return f"{SOURCE}:{','.join(sorted(categories))}"


def build_query(categories: Sequence[str], since: date, until: date) -> str:
    """(cat:A OR cat:B) AND submittedDate:[SINCE0000 TO UNTIL2359]; 'cs' means all of cs."""
    cats = " OR ".join(f"cat:{c}" if "." in c else f"cat:{c}.*" for c in categories)
    return (f"({cats}) AND submittedDate:[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]")


def parse_feed(body: bytes, where: str) -> Page:
    """A page of the API's Atom feed; BrokenDocument if it is cut short or not a feed,
    UpstreamError if the API answers with its error entry."""
    feed = feedparser.parse(body)
    if feed.bozo and isinstance(feed.bozo_exception, xml.sax.SAXException):
        raise BrokenDocument(f"not well-formed XML: {feed.bozo_exception}")
    if "opensearch_totalresults" not in feed.feed:
        raise BrokenDocument("not an arXiv API feed (no opensearch:totalResults)")
    entries = feed.entries
    if entries and str(entries[0].get("id", "")).startswith("http://arxiv.org/api/errors"):
        raise UpstreamError(f"arXiv API refused the query {where}: "
                            f"{clean_text(entries[0].get('summary'))}")
    affiliations = _affiliations(body)
    parsed = tuple(_entry(e, affiliations[i] if i < len(affiliations) else {}, f"{where} "
                          f"entry {i + 1}") for i, e in enumerate(entries))
    return Page(total=_int(feed.feed.get("opensearch_totalresults")),
                start=_int(feed.feed.get("opensearch_startindex")), entries=parsed)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BrokenDocument(f"bad opensearch number {value!r}") from None


def _affiliations(body: bytes) -> list[dict[str, str]]:
    """Per entry, author name -> affiliations (joined by '; '), read with ElementTree."""
    if b"affiliation" not in body:
        return []
    try:
        root = ET.fromstring(body)  # noqa: S314 (stdlib expat: no external entities fetched)
    except ET.ParseError:  # feedparser coped with it; go without affiliations
        return []
    out = []
    for entry in root.iter(f"{_ATOM}entry"):
        found = {}
        for author in entry.iter(f"{_ATOM}author"):
            name = clean_text(author.findtext(f"{_ATOM}name"))
            places = [clean_text(a.text) for a in author.iter(f"{_ARXIV}affiliation")]
            if name and any(places):
                found[name] = "; ".join(p for p in places if p)
        out.append(found)
    return out


def _entry(entry: Any, affiliations: dict[str, str], where: str) -> Paper | Rejected:
    try:
        return check_paper(parse_entry(entry, affiliations))
    except ValueError as exc:
        return Rejected(where, str(exc))


def parse_entry(entry: Any, affiliations: dict[str, str] | None = None) -> Paper:
    """One feedparser entry -> Paper; ValueError says what is wrong with it."""
    paper_id, version = split_arxiv_id(str(entry.get("id", "")))
    if version is None:
        raise ValueError(f"entry id {entry.get('id')!r} is not an arXiv abstract link")
    title, abstract = clean_text(entry.get("title")), clean_text(entry.get("summary"))
    if not title or not abstract:
        raise ValueError(f"{paper_id}: missing title or abstract")
    published = parse_datetime(entry.get("published"), "published")
    updated = parse_datetime(entry.get("updated"), "updated")
    names = [clean_text(a.get("name")) for a in entry.get("authors", [])]
    places = affiliations or {}
    categories = tuple(dict.fromkeys(t["term"] for t in entry.get("tags", [])
                                     if is_category(t.get("term"))))
    primary = (entry.get("arxiv_primary_category") or {}).get("term") or (
        categories[0] if categories else None)
    comments = optional_text(entry.get("arxiv_comment"))
    return Paper(
        id=paper_id, version=version, title=title, abstract=abstract,
        authors=tuple(Author(n, places.get(n)) for n in names if n),
        categories=(primary, *(c for c in categories if c != primary)) if primary else (),
        primary_category=primary, published=published, updated=updated,
        versions=_versions(version, published, updated),
        doi=optional_text(entry.get("arxiv_doi")),
        journal_ref=optional_text(entry.get("arxiv_journal_ref")), comments=comments,
        url=f"https://arxiv.org/abs/{paper_id}", pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        code_urls=find_code_urls(abstract, comments), source=SOURCE)


def _versions(version: int, published: datetime | None,
              updated: datetime | None) -> tuple[Version, ...]:
    """What the feed tells: v1 was published then, the latest version updated then."""
    if version == 1:
        return (Version(1, published),)
    return Version(1, published), Version(version, updated)


def _reader(where: str, expect_more: bool) -> Callable[[httpx.Response], Page]:
    def read(response: httpx.Response) -> Page:
        page = parse_feed(response.content, where)
        if not page.entries and expect_more and page.start < page.total:
            # the API is known to return an empty page now and then; asking again helps
            raise BrokenDocument(f"empty page at {page.start} of {page.total}")
        return page
    return read


def harvest(store: Store, settings: Settings, categories: Sequence[str], *,
            since: date | None = None, until: date | None = None, strict: bool = False,
            page_size: int = PAGE_SIZE, progress: Progress | None = None) -> IngestReport:
    """Papers of categories submitted since..until, newest first, page by page (each page
    committed as it comes). Without since, from where the last complete run got (or
    LOOKBACK_DAYS back). Stops at the end, or at a page that brings nothing new and
    reaches back before the last run. Remembers the newest date seen for next time.
    """
    if not categories:
        raise IngestError("arxiv: no categories given (use --category or the "
                          "`categories` setting)")
    key = state_key(categories)
    cursor = store.get_state(key)
    today = datetime.now(UTC).date()
    start_day = since or (date.fromisoformat(cursor) if cursor else
                          today - timedelta(days=LOOKBACK_DAYS))
    tally = Tally(store, SOURCE, strict=strict)
    newest = _run_pages(settings, tally, build_query(categories, start_day, until or today),
                        known_until=date.fromisoformat(cursor) if cursor else None,
                        page_size=page_size, progress=progress)
    if newest is not None and until is None and (cursor is None or newest.isoformat() > cursor):
        store.set_state(key, newest.isoformat())
    return tally.finish()


def _params(query: str, start: int, page_size: int) -> dict[str, str | int]:
    return {"search_query": query, "start": start, "max_results": page_size,
            "sortBy": "submittedDate", "sortOrder": "descending"}


def _run_pages(settings: Settings, tally: Tally, query: str, *, known_until: date | None,
               page_size: int, progress: Progress | None) -> date | None:
    """Fetch and store pages until done; the newest published day seen."""
    newest: date | None = None
    seen: set[str] = set()
    start = 0
    with Upstream(settings, "arXiv API") as upstream:
        while True:
            params = _params(query, start, page_size)
            where = str(httpx.URL(settings.arxiv_api_url, params=params))
            try:
                page = upstream.get(settings.arxiv_api_url, params,
                                    read=_reader(where, expect_more=start > 0))
            except UpstreamError as exc:
                raise tally.abort(f"{exc}. Pages before it were saved; run the same command "
                                  "again to continue (stored papers are skipped).") from None
            papers = [e for e in page.entries if isinstance(e, Paper)]
            done = tally.add(page.entries)
            newest = max([d for d in (newest, *map(_day, papers)) if d], default=None)
            start += len(page.entries)
            if progress is not None:
                progress(len(page.entries), done=start, total=page.total)
            fresh = {p.id for p in papers} - seen
            seen |= fresh
            repeated = bool(papers) and not fresh  # the API served a page seen before
            stale = done.new + done.updated == 0 and _reached(papers, known_until)
            if not page.entries or start >= page.total or repeated or stale:
                return newest


def _day(paper: Paper) -> date | None:
    return paper.published.date() if paper.published else None


def _reached(papers: list[Paper], known_until: date | None) -> bool:
    """Whether this page goes back to days a previous complete run already covered."""
    days = [d for d in map(_day, papers) if d]
    return known_until is not None and bool(days) and min(days) < known_until
