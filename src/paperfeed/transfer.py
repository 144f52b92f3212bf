"""Export and import of papers, votes and subscriptions as JSON lines, without loss."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from paperfeed.errors import IngestError, PaperfeedError
from paperfeed.ingest.jsonl import json_lines
from paperfeed.ingest.validate import check_paper
from paperfeed.models import Author, Paper, UpsertResult, Version
from paperfeed.store import Store

WHATS = ("papers", "votes", "subscriptions")
FORMATS = ("jsonl",)
BATCH = 1000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class TransferReport:
    """What an import did: records added, updated, already there, or skipped (with why)."""

    what: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    note: str = ""


# -- papers <-> JSON ------------------------------------------------------------------------

def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def paper_to_json(paper: Paper) -> dict[str, Any]:
    """Every field of a paper; also a valid record of `paperfeed ingest jsonl`'s format."""
    return {
        "id": paper.id, "version": paper.version, "title": paper.title,
        "abstract": paper.abstract, "authors": [a.name for a in paper.authors],
        "affiliations": [a.affiliation for a in paper.authors],
        "categories": list(paper.categories), "primary_category": paper.primary_category,
        "published": _iso(paper.published), "updated": _iso(paper.updated),
        "announced": _iso(paper.announced),
        "versions": [{"version": v.version, "created": _iso(v.created)} for v in paper.versions],
        "doi": paper.doi, "journal_ref": paper.journal_ref, "comments": paper.comments,
        "license": paper.license, "url": paper.url, "pdf_url": paper.pdf_url,
        "code_urls": list(paper.code_urls), "source": paper.source,
        "upstream_upvotes": paper.upstream_upvotes, "github_repo": paper.github_repo,
        "github_stars": paper.github_stars, "ai_keywords": list(paper.ai_keywords),
    }


def _get(record: dict[str, Any], key: str, kind: type | tuple[type, ...], *,
         required: bool = False) -> Any:
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{key!r} is missing or has the wrong type")
    return value


def _strings(record: dict[str, Any], key: str) -> tuple[str, ...]:
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key!r} must be a list of strings")
    return tuple(value)


def _time(value: Any, key: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key!r}: {value!r} is not an ISO 8601 datetime") from None


def _authors(record: dict[str, Any]) -> tuple[Author, ...]:
    names = _strings(record, "authors")
    places = record.get("affiliations") or [None] * len(names)
    if not isinstance(places, list) or len(places) != len(names) or not all(
            p is None or isinstance(p, str) for p in places):
        raise ValueError("'affiliations' must list one text or null per author")
    return tuple(Author(n, p) for n, p in zip(names, places, strict=True))


def _versions(record: dict[str, Any]) -> tuple[Version, ...]:
    raw = record.get("versions") or []
    if not isinstance(raw, list) or not all(isinstance(v, dict) for v in raw):
        raise ValueError("'versions' must be a list of objects")
    return tuple(Version(_get(v, "version", int, required=True), _time(v.get("created"),
                                                                        "created")) for v in raw)


def paper_from_json(record: Any) -> Paper:
    """The exact inverse of paper_to_json, checked like any ingested paper; ValueError says
    what is wrong."""
    return check_paper(_paper_from_json(record))


def _paper_from_json(record: Any) -> Paper:
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    announced = _get(record, "announced", str)
    try:
        day = date.fromisoformat(announced) if announced else None
    except ValueError:
        raise ValueError(f"'announced': {announced!r} is not an ISO 8601 date") from None
    text = {k: _get(record, k, str) for k in ("primary_category", "doi", "journal_ref",
                                               "comments", "license", "url", "pdf_url",
                                               "github_repo")}
    return Paper(
        id=_get(record, "id", str, required=True), version=_get(record, "version", int) or 1,
        title=_get(record, "title", str, required=True),
        abstract=_get(record, "abstract", str, required=True), authors=_authors(record),
        categories=_strings(record, "categories"),
        published=_time(record.get("published"), "published"),
        updated=_time(record.get("updated"), "updated"), announced=day,
        versions=_versions(record), code_urls=_strings(record, "code_urls"),
        source=_get(record, "source", str) or "import",
        upstream_upvotes=_get(record, "upstream_upvotes", int),
        github_stars=_get(record, "github_stars", int),
        ai_keywords=_strings(record, "ai_keywords"), **text,
    )


# -- votes and subscriptions <-> JSON -------------------------------------------------------

def vote_from_json(record: Any) -> tuple[str, str, datetime]:
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    cast = _time(_get(record, "created_at", str, required=True), "created_at")
    assert cast is not None
    return (_get(record, "reader", str, required=True),
            _get(record, "paper_id", str, required=True),
            cast if cast.tzinfo else cast.replace(tzinfo=UTC))


def _lines(store: Store, what: str) -> Iterator[dict[str, Any]]:
    if what == "papers":
        yield from (paper_to_json(p) for p in store.iter_papers())
    elif what == "votes":
        for email, paper_id, cast in store.iter_votes():
            yield {"reader": email, "paper_id": paper_id, "created_at": cast.isoformat()}
    else:
        yield from store.iter_subscriptions()


def _check(what: str, fmt: str = "jsonl") -> None:
    if what not in WHATS:
        raise PaperfeedError(f"--what: {what!r} is not one of {', '.join(WHATS)}")
    if fmt not in FORMATS:
        raise PaperfeedError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")


def export(store: Store, what: str, out: IO[str], *, fmt: str = "jsonl",
           progress: Progress | None = None) -> int:
    """Write every record of one kind to out, one JSON object per line; return the count."""
    _check(what, fmt)
    count = 0
    for record in _lines(store, what):
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(BATCH)
    if progress is not None:
        progress(count % BATCH)
    return count


# -- import ---------------------------------------------------------------------------------

def _parsed(path: Path, parse: Callable[[Any], Any]) -> Iterator[Any]:
    """Each line parsed; the first bad one stops the import with its file:line and reason."""
    for where, record in json_lines(path):
        try:
            if isinstance(record, ValueError):
                raise record
            yield parse(record)
        except ValueError as exc:
            raise IngestError(f"{where}: {exc} (the batches before it were imported)") from None


def _batches(items: Iterable[Any], progress: Progress | None) -> Iterator[list[Any]]:
    stream = iter(items)
    while batch := list(islice(stream, BATCH)):
        yield batch
        if progress is not None:
            progress(len(batch))


def _import_papers(store: Store, path: Path, progress: Progress | None) -> TransferReport:
    result = UpsertResult()
    for batch in _batches(_parsed(path, paper_from_json), progress):
        result += store.upsert_papers(batch)
    return TransferReport("papers", added=result.new, updated=result.updated,
                          unchanged=result.unchanged)


def _import_votes(store: Store, path: Path, progress: Progress | None) -> TransferReport:
    added = present = skipped = 0
    for batch in _batches(_parsed(path, vote_from_json), progress):
        a, p, s = store.add_votes(batch)
        added, present, skipped = added + a, present + p, skipped + s
    note = "votes for papers this instance lacks were skipped; import papers first" \
        if skipped else ""
    return TransferReport("votes", added=added, unchanged=present, skipped=skipped, note=note)


def _subscription(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    return record


def _import_subscriptions(store: Store, path: Path,
                          progress: Progress | None) -> TransferReport:
    added = updated = 0
    for batch in _batches(_parsed(path, _subscription), progress):
        a, u = store.put_subscriptions(batch)
        added, updated = added + a, updated + u
    return TransferReport("subscriptions", added=added, updated=updated)


def import_file(store: Store, what: str, path: Path, *, fmt: str = "jsonl",
                progress: Progress | None = None) -> TransferReport:
    """Read a file written by export (plain or gzipped) back into the store.

    Papers merge by the usual rule (the latest version wins), votes are added once, and
    subscriptions are replaced by e-mail, so importing the same file twice changes nothing.
    """
    _check(what, fmt)
    importer = {"papers": _import_papers, "votes": _import_votes,
                "subscriptions": _import_subscriptions}[what]
    return importer(store, path, progress)


__all__ = ["FORMATS", "WHATS", "TransferReport", "export", "import_file", "paper_from_json",
           "paper_to_json"]
