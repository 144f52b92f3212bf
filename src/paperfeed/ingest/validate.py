"""The last check every ingested paper passes, whatever its source: field sizes, the shape of
its id, and links that are http(s) only. Pure; ValueError says what is wrong."""

from __future__ import annotations

from paperfeed.ingest.records import is_arxiv_id
from paperfeed.models import Paper
from paperfeed.safeurl import MAX_URL, safe_url

MAX_ID = 100
MAX_TITLE = 1_000
MAX_ABSTRACT = 20_000  # arXiv's own limit is 1,920 characters
MAX_AUTHORS = 5_000  # large collaborations list a few thousand
MAX_NAME = 500
MAX_CATEGORIES = 50
MAX_CODE_URLS = 50
MAX_KEYWORDS = 100
MAX_SHORT = 2_000  # comments, journal reference, license, doi, a keyword

__all__ = ["check_id", "check_paper"]


def check_id(paper_id: str) -> str:
    """A key that names one page: printable, no spaces, no '.' or '..' path segments, and
    no slash except in an old-style arXiv id (hep-th/9901001)."""
    if len(paper_id) > MAX_ID:
        raise ValueError(f"'id': at most {MAX_ID} characters")
    if any(c.isspace() or not c.isprintable() for c in paper_id):
        raise ValueError("'id' must not hold spaces or control characters")
    if ("/" in paper_id or "\\" in paper_id) and not is_arxiv_id(paper_id):
        raise ValueError("'id' may hold a slash only as an old-style arXiv id "
                         "(hep-th/9901001)")
    if paper_id in (".", ".."):
        raise ValueError("'id' must not be '.' or '..'")
    return paper_id


def _size(name: str, text: str | None, most: int) -> None:
    if text is not None and len(text) > most:
        raise ValueError(f"{name!r}: {len(text):,} characters; at most {most:,}")


def _count(name: str, items: tuple[object, ...], most: int) -> None:
    if len(items) > most:
        raise ValueError(f"{name!r}: {len(items):,} items; at most {most:,}")


def _link(name: str, url: str | None) -> None:
    if url is not None and safe_url(url) is None:
        raise ValueError(f"{name!r}: only http and https links (at most {MAX_URL:,} "
                         "characters) are allowed")


def check_paper(paper: Paper) -> Paper:
    """The paper unchanged when every field is within bounds; ValueError naming the first
    field that is not."""
    check_id(paper.id)
    _size("title", paper.title, MAX_TITLE)
    _size("abstract", paper.abstract, MAX_ABSTRACT)
    _count("authors", paper.authors, MAX_AUTHORS)
    for author in paper.authors:
        _size("authors", author.name, MAX_NAME)
        _size("affiliation", author.affiliation, MAX_NAME)
    _count("categories", paper.categories, MAX_CATEGORIES)
    for category in paper.categories:
        _size("categories", category, MAX_NAME)
    for name in ("comments", "journal_ref", "license", "doi"):
        _size(name, getattr(paper, name), MAX_SHORT)
    _count("ai_keywords", paper.ai_keywords, MAX_KEYWORDS)
    for keyword in paper.ai_keywords:
        _size("ai_keywords", keyword, MAX_SHORT)
    _link("url", paper.url)
    _link("pdf_url", paper.pdf_url)
    _link("github_repo", paper.github_repo)
    _count("code_urls", paper.code_urls, MAX_CODE_URLS)
    for url in paper.code_urls:
        _link("code_urls", url)
    return paper
