"""RSS 2.0 and Atom 1.0 documents built with xml.etree: every text is escaped by the library.

Pure: papers and feed facts in, UTF-8 bytes out. Titles and abstracts are plain text, their
LaTeX made readable (paperfeed.plaintext). Characters XML 1.0 forbids (control codes,
lone surrogates) are dropped from every text first, so a stray byte in an abstract can never
make a feed unreadable.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from urllib.parse import quote

from paperfeed import __version__
from paperfeed.models import Paper
from paperfeed.plaintext import plain_text
from paperfeed.safeurl import safe_url

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
ARXIV_SCHEME = "http://arxiv.org/schemas/atom"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("atom", ATOM)
ET.register_namespace("dc", DC)


@dataclass(frozen=True)
class FeedInfo:
    """What a feed says about itself."""

    title: str
    subtitle: str
    self_url: str  # this feed's URL
    html_url: str  # the page that shows the same papers
    site_name: str
    base_url: str


def clean(text: str | None) -> str:
    """Text without the characters XML 1.0 cannot carry."""
    return _INVALID.sub("", text or "")


def paper_link(base_url: str, paper_id: str) -> str:
    return f"{base_url.rstrip('/')}/papers/{quote(paper_id, safe='/')}"


def atom_id(paper_id: str) -> str:
    """The stable Atom id of a paper: a URN made of its paperfeed id."""
    return f"urn:paperfeed:paper:{quote(paper_id, safe='/')}"


def _moment(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(), UTC)


def published(paper: Paper) -> datetime | None:
    return _moment(paper.published) or _moment(paper.day)


def updated(paper: Paper) -> datetime | None:
    return _moment(paper.updated) or published(paper)


def newest(papers: Sequence[Paper]) -> datetime:
    """The feed's own date: its newest entry's (the epoch for an empty feed, so it is stable)."""
    return max((d for d in (updated(p) for p in papers) if d is not None), default=EPOCH)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        node.text = clean(text)
    return node


def _bytes(root: ET.Element) -> bytes:
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- Atom -----------------------------------------------------------------------------------

def _a(tag: str) -> str:
    """Atom elements are written unqualified under the root's default xmlns."""
    return tag


def _atom_entry(feed: ET.Element, paper: Paper, info: FeedInfo, fallback: datetime) -> None:
    entry = _sub(feed, _a("entry"))
    _sub(entry, _a("id"), atom_id(paper.id))
    _sub(entry, _a("title"), plain_text(paper.title), type="text")
    _sub(entry, _a("link"), rel="alternate", type="text/html",
         href=paper_link(info.base_url, paper.id))
    url, pdf_url = safe_url(paper.url), safe_url(paper.pdf_url)
    if url:
        _sub(entry, _a("link"), rel="related", type="text/html", href=url, title="arXiv"
             if "arxiv.org" in url else "source")
    if pdf_url:
        _sub(entry, _a("link"), rel="related", type="application/pdf", href=pdf_url,
             title="PDF")
    first = published(paper)
    if first is not None:
        _sub(entry, _a("published"), _rfc3339(first))
    _sub(entry, _a("updated"), _rfc3339(updated(paper) or fallback))
    for author in paper.authors:
        _sub(_sub(entry, _a("author")), _a("name"), author.name)
    for category in paper.categories:
        _sub(entry, _a("category"), term=category, scheme=ARXIV_SCHEME)
    _sub(entry, _a("summary"), plain_text(paper.abstract), type="text")


def atom(info: FeedInfo, papers: Sequence[Paper]) -> bytes:
    """An Atom 1.0 feed of papers."""
    feed = ET.Element("feed", {"xmlns": ATOM})
    stamp = newest(papers)
    _sub(feed, _a("id"), info.self_url)
    _sub(feed, _a("title"), info.title, type="text")
    _sub(feed, _a("subtitle"), info.subtitle, type="text")
    _sub(feed, _a("link"), rel="self", type="application/atom+xml", href=info.self_url)
    _sub(feed, _a("link"), rel="alternate", type="text/html", href=info.html_url)
    _sub(feed, _a("updated"), _rfc3339(stamp))
    _sub(_sub(feed, _a("author")), _a("name"), info.site_name)
    _sub(feed, _a("generator"), "paperfeed", version=__version__)
    for paper in papers:
        _atom_entry(feed, paper, info, stamp)
    return _bytes(feed)


# -- RSS 2.0 --------------------------------------------------------------------------------

def _rss_item(channel: ET.Element, paper: Paper, info: FeedInfo) -> None:
    item = _sub(channel, "item")
    _sub(item, "title", plain_text(paper.title))
    _sub(item, "link", paper_link(info.base_url, paper.id))
    _sub(item, "guid", paper.id, isPermaLink="false")
    first = published(paper)
    if first is not None:
        _sub(item, "pubDate", format_datetime(first, usegmt=True))
    for author in paper.authors:
        _sub(item, f"{{{DC}}}creator", author.name)
    for category in paper.categories:
        _sub(item, "category", category, domain=ARXIV_SCHEME)
    url = safe_url(paper.url)
    if url:
        _sub(item, f"{{{ATOM}}}link", rel="related", type="text/html", href=url)
    # Readers take <description> as HTML: escape the abstract so that it shows as text.
    _sub(item, "description", html.escape(clean(plain_text(paper.abstract)), quote=False))


def rss(info: FeedInfo, papers: Sequence[Paper]) -> bytes:
    """An RSS 2.0 feed of papers (with atom:link self, dc:creator for each author)."""
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", info.title)
    _sub(channel, "link", info.html_url)
    _sub(channel, "description", info.subtitle)
    _sub(channel, f"{{{ATOM}}}link", rel="self", type="application/rss+xml",
         href=info.self_url)
    _sub(channel, "lastBuildDate", format_datetime(newest(papers), usegmt=True))
    _sub(channel, "generator", f"paperfeed {__version__}")
    _sub(channel, "docs", "https://www.rssboard.org/rss-specification")
    for paper in papers:
        _rss_item(channel, paper, info)
    return _bytes(root)
