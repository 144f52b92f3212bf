"""paperfeed's own JSONL format: one paper per line (see README, "JSONL format")."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from paperfeed.ingest.codeurls import find_code_urls
from paperfeed.ingest.records import (
    arxiv_links,
    optional_text,
    parse_datetime,
    required_id,
    required_text,
)
from paperfeed.ingest.validate import check_paper
from paperfeed.models import Author, Paper, Rejected

SOURCE = "jsonl"


def _names(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{field!r} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def parse_record(record: Any) -> Paper:
    """One decoded JSON object -> Paper; ValueError says what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    paper_id, version = required_id(record)
    abs_url, pdf_url = arxiv_links(paper_id)
    abstract = required_text(record, "abstract")
    categories = _names(record.get("categories"), "categories")
    return Paper(
        id=paper_id,
        version=version or 1,
        title=required_text(record, "title"),
        abstract=abstract,
        authors=tuple(Author(n) for n in _names(record.get("authors"), "authors")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=parse_datetime(record.get("published"), "published"),
        url=optional_text(record.get("url")) or abs_url,
        pdf_url=pdf_url,
        code_urls=find_code_urls(abstract, known=_names(record.get("code_urls"), "code_urls")),
        source=SOURCE,
    )


def open_lines(path: Path) -> IO[bytes]:
    """Open a plain or gzipped file for reading (told apart by magic bytes, not by name)."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return cast(IO[bytes], gzip.open(path, "rb")) if gzipped else path.open("rb")


def json_problem(exc: json.JSONDecodeError) -> str:
    """'not valid JSON (Expecting value at column 3)'."""
    return f"not valid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"


def json_lines(path: Path) -> Iterator[tuple[str, Any]]:
    """(file:line, decoded object) per non-blank line; a ValueError instance when undecodable."""
    with open_lines(path) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{number}", json.loads(line)
            except UnicodeDecodeError:
                yield f"{path}:{number}", ValueError("not valid UTF-8")
            except json.JSONDecodeError as exc:
                yield f"{path}:{number}", ValueError(json_problem(exc))


def read_jsonl(path: Path) -> Iterator[Paper | Rejected]:
    """Each line of the file as a Paper, or as a Rejected with file:line and the reason."""
    for where, record in json_lines(path):
        try:
            if isinstance(record, ValueError):
                raise record
            yield check_paper(parse_record(record))
        except ValueError as exc:
            yield Rejected(where, str(exc))
