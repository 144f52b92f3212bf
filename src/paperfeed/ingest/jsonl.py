"""paperfeed's own JSONL format: one paper per line (see README, "JSONL format")."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from paperfeed.errors import IngestError
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
MAX_LINE = 16 * 1024 * 1024  # bytes: far above any real paper; bounds what the parser holds


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


def is_gzip(path: Path) -> bool:
    """Whether the file starts with gzip's magic bytes (its name does not matter)."""
    with path.open("rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def open_lines(path: Path) -> IO[bytes]:
    """Open a plain or gzipped file for reading (told apart by magic bytes, not by name)."""
    return cast(IO[bytes], gzip.open(path, "rb")) if is_gzip(path) else path.open("rb")


def json_problem(exc: json.JSONDecodeError) -> str:
    """'not valid JSON (Expecting value at column 3)'."""
    return f"not valid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"


def decode_line(line: bytes) -> Any:
    """One line's JSON value; ValueError saying why not (bad UTF-8, bad JSON, nested too
    deeply or too long for the parser)."""
    if len(line) > MAX_LINE:
        raise ValueError(f"a line of {len(line):,} bytes; at most {MAX_LINE:,}")
    try:
        return json.loads(line)
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(json_problem(exc)) from None
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None


def _read(lines: IO[bytes], path: Path) -> Iterator[bytes]:
    """The file's lines; a gzip stream that is cut short or corrupt becomes an IngestError
    saying after which line it broke."""
    number = 0
    try:
        for number, line in enumerate(lines, start=1):  # noqa: B007 (read after the loop)
            yield line
    except EOFError:
        raise IngestError(f"{path}: gzip stream ends early after line {number}") from None
    except (OSError, zlib.error) as exc:
        raise IngestError(f"{path}: not a readable gzip stream after line {number} "
                          f"({exc})") from None


def json_lines(path: Path) -> Iterator[tuple[str, Any]]:
    """(file:line, decoded object) per non-blank line; a ValueError instance when undecodable.
    A broken gzip stream ends it with an IngestError (what was read before stays)."""
    with open_lines(path) as lines:
        for number, line in enumerate(_read(lines, path), start=1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{number}", decode_line(line)
            except ValueError as exc:
                yield f"{path}:{number}", exc


def read_jsonl(path: Path) -> Iterator[Paper | Rejected]:
    """Each line of the file as a Paper, or as a Rejected with file:line and the reason."""
    for where, record in json_lines(path):
        try:
            if isinstance(record, ValueError):
                raise record
            yield check_paper(parse_record(record))
        except ValueError as exc:
            yield Rejected(where, str(exc))
