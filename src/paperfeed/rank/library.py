"""Import my library: pasted arXiv ids or links, or a BibTeX file, matched to stored papers
and liked all at once (nothing half-imported); what did not match is listed.

BibTeX is read with bibtexparser (eprint/arXiv fields, DOIs, titles); a file that is not
BibTeX, not UTF-8, or larger than MAX_BYTES is refused whole, before anything is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from paperfeed.errors import PaperfeedError
from paperfeed.store import Store
from paperfeed.store.base import TextQuery
from paperfeed.store.terms import words

MAX_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 5000
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}"
ARXIV = re.compile(rf"(?<![\w.])(?:arxiv:\s*)?({_NEW_ID}|{_OLD_ID})(?:v\d+)?(?![\w])", re.I)
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}]+)", re.I)

__all__ = ["MAX_BYTES", "ImportResult", "LibraryError", "Wanted", "import_library",
           "match", "parse_bibtex", "parse_pasted"]


class LibraryError(PaperfeedError):
    """Input that cannot be imported; the message says why. Nothing was stored."""


@dataclass(frozen=True)
class Wanted:
    """One item of a library: what the reader gave (shown when unmatched) and its keys."""

    label: str
    arxiv: str | None = None
    doi: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class ImportResult:
    matched: tuple[str, ...]  # paper ids now liked
    added: int  # of those, newly liked
    unmatched: tuple[str, ...]  # labels of items not found here


def _arxiv(text: str) -> str | None:
    found = ARXIV.search(text)
    return found.group(1) if found else None


def parse_pasted(text: str) -> list[Wanted]:
    """One item per line (or comma): an arXiv id or link, or a DOI or doi.org link."""
    items = [part.strip() for line in text.splitlines() for part in line.split(",")]
    wanted = []
    for item in filter(None, items):
        doi = DOI.search(item)
        wanted.append(Wanted(item[:200], arxiv=_arxiv(item),
                             doi=doi.group(1).rstrip(".") if doi else None))
    return _capped(wanted)


def _capped(wanted: list[Wanted]) -> list[Wanted]:
    if len(wanted) > MAX_ITEMS:
        raise LibraryError(f"at most {MAX_ITEMS} papers at once ({len(wanted)} given)")
    return wanted


def parse_bibtex(data: bytes) -> list[Wanted]:
    """The entries of a BibTeX file; LibraryError for anything that is not BibTeX."""
    from bibtexparser.entrypoint import parse_string

    if len(data) > MAX_BYTES:
        raise LibraryError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LibraryError("the file is not BibTeX (it is not UTF-8 text)") from None
    library = parse_string(text)
    if library.failed_blocks:
        line = (library.failed_blocks[0].start_line or 0) + 1
        raise LibraryError(f"the file is not valid BibTeX (line {line})")
    if not library.entries:
        raise LibraryError("the file is not BibTeX (no @article, @misc... entries)")
    return _capped([_entry(entry.key, {k.lower(): str(f.value) for k, f in
                                       entry.fields_dict.items()})
                    for entry in library.entries])


def _entry(key: str, fields: dict[str, str]) -> Wanted:
    title = " ".join(fields.get("title", "").replace("{", "").replace("}", "").split())
    arxiv = None
    for name in ("eprint", "arxivid", "arxiv", "url", "journal", "note", "howpublished"):
        if name in fields and (arxiv := _arxiv(fields[name])):
            break
    doi = DOI.search(fields.get("doi", ""))
    return Wanted(title[:200] or key[:200], arxiv=arxiv, doi=doi.group(1) if doi else None,
                  title=title or None)


def match(store: Store, wanted: Iterable[Wanted]) -> tuple[dict[str, str], list[str]]:
    """({label: paper id} found here, [labels not found]); arXiv id, then DOI, then title."""
    items = list(wanted)
    known = {p.id for p in store.get_papers([w.arxiv for w in items if w.arxiv])}
    by_doi = store.ids_by_doi([w.doi for w in items if w.doi])
    found: dict[str, str] = {}
    missing: list[str] = []
    for w in items:
        pid = (w.arxiv if w.arxiv in known else None) or \
            (by_doi.get(w.doi.lower()) if w.doi else None) or _by_title(store, w.title)
        if pid:
            found[w.label] = pid
        else:
            missing.append(w.label)
    return found, missing


def _by_title(store: Store, title: str | None) -> str | None:
    """The stored paper with exactly this title (compared as search words)."""
    tokens = tuple(words(title or ""))
    if len(tokens) < 2:
        return None
    hits = store.keyword_search(TextQuery(all_of=(tokens,)), limit=5)
    for paper in store.get_papers([pid for pid, _ in hits]):
        if tuple(words(paper.title)) == tokens:
            return paper.id
    return None


def import_library(store: Store, reader_id: int, wanted: list[Wanted]) -> ImportResult:
    """Like every matched paper in one transaction; list the rest."""
    if not wanted:
        raise LibraryError("nothing to import: paste arXiv ids or links, or choose a BibTeX file")
    found, missing = match(store, wanted)
    ids = tuple(dict.fromkeys(found.values()))
    added = store.add_likes(reader_id, ids) if ids else 0
    return ImportResult(matched=ids, added=added, unmatched=tuple(missing))
