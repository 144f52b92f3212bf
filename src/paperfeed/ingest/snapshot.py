"""The arXiv bulk metadata snapshot (`arxiv-metadata-oai-snapshot.json`): millions of JSON
lines, plain or gzipped, streamed in batches; an interrupted import resumes where its last
committed batch ended.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from paperfeed.errors import IngestError
from paperfeed.ingest.codeurls import find_code_urls
from paperfeed.ingest.jsonl import decode_line
from paperfeed.ingest.names import join_name, split_authors
from paperfeed.ingest.parse_process import child_args, parsed_batches
from paperfeed.ingest.records import (
    arxiv_links,
    optional_text,
    parse_datetime,
    parse_rfc2822,
    required_id,
    required_text,
)
from paperfeed.ingest.run import Checkpoint, Item, Progress, import_rows
from paperfeed.ingest.validate import check_paper
from paperfeed.models import Author, IngestReport, Paper, Rejected, Version
from paperfeed.store import Store

SOURCE = "snapshot"
BATCH_SIZE = 5000  # papers per transaction: larger batches index full text faster


def parse_record(record: Any) -> Paper:
    """One decoded snapshot line -> Paper; ValueError says what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError("a line must hold a JSON object")
    paper_id, _ = required_id(record)
    abstract = required_text(record, "abstract")
    categories = _categories(record.get("categories"))
    versions = _versions(record.get("versions"))
    fallback = parse_datetime(record.get("update_date"), "update_date") if not versions else None
    comments = optional_text(record.get("comments"))
    abs_url, pdf_url = arxiv_links(paper_id)
    return Paper(
        id=paper_id, version=versions[-1].version if versions else 1,
        title=required_text(record, "title"), abstract=abstract, authors=_authors(record),
        categories=categories, primary_category=categories[0] if categories else None,
        published=versions[0].created if versions else fallback,
        updated=versions[-1].created if versions else fallback, versions=versions,
        doi=optional_text(record.get("doi")), journal_ref=optional_text(record.get("journal-ref")),
        comments=comments, license=optional_text(record.get("license")), url=abs_url,
        pdf_url=pdf_url, code_urls=find_code_urls(abstract, comments), source=SOURCE)


def _categories(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, str):
        raise ValueError("'categories' must be a space-separated string")
    return tuple(value.split())


def _versions(value: Any) -> tuple[Version, ...]:
    """[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...] by number."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("'versions' must be a list")
    out = {}
    for item in value:
        label = item.get("version") if isinstance(item, dict) else None
        if not isinstance(label, str) or not label[1:].isdigit() or label[:1] != "v":
            raise ValueError(f"versions: bad entry {item!r}")
        out[int(label[1:])] = Version(int(label[1:]), parse_rfc2822(
            item.get("created"), f"versions {label} created"))
    return tuple(out[k] for k in sorted(out))


def _authors(record: dict[str, Any]) -> tuple[Author, ...]:
    """From authors_parsed ([keyname, forenames, suffix, affiliation...]), else the string."""
    parsed = record.get("authors_parsed")
    if not isinstance(parsed, list) or not parsed:
        return tuple(Author(n) for n in split_authors(record.get("authors")))
    authors = []
    for parts in parsed:
        try:
            name = join_name(*parts[:3])
            place = " ".join(", ".join(parts[3:]).split()) or None if len(parts) > 3 else None
        except (TypeError, KeyError, AttributeError):
            raise ValueError(f"authors_parsed: bad entry {parts!r}") from None
        if name:
            authors.append(Author(name, place))
    return tuple(authors)


# -- reading the file --------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """How far an import of one file got: the next line number, its byte offset in the
    (decompressed) content, and whether the whole file was read."""

    line: int = 1
    offset: int = 0
    done: bool = False

    def to_json(self, identity: dict[str, Any]) -> str:
        return json.dumps({**identity, "line": self.line, "offset": self.offset,
                           "done": self.done})


def file_identity(path: Path, category_prefix: str | None) -> dict[str, Any]:
    """What must not change for a saved position to be reused."""
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "prefix": category_prefix}


def _open(raw: IO[bytes]) -> IO[bytes]:
    gzipped = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gzipped else raw


def read_snapshot(path: Path, *, category_prefix: str | None = None,
                  start: Position | None = None, every: int = BATCH_SIZE,
                  state_key: str | None = None) -> Iterator[Item]:
    """Papers and rejects (file:line) from start; after every `every` of them, and at the
    end, a Checkpoint with the position reached (saved under state_key) and bytes read."""
    identity = file_identity(path, category_prefix)
    total, count, start = identity["size"], 0, start or Position()
    number, offset = start.line, start.offset
    try:
        with path.open("rb") as raw, _open(raw) as lines:
            if start.offset:
                lines.seek(start.offset)
            for line in lines:
                number, offset = number + 1, offset + len(line)
                item = _parse_line(line, path, number - 1, category_prefix)
                if item is None:
                    continue
                yield item
                count += 1
                if count % every == 0:
                    yield Checkpoint(state_key, Position(number, offset).to_json(identity),
                                     raw.tell(), total)
    except (OSError, EOFError, zlib.error) as exc:  # a cut-off or corrupt gzip stream
        raise IngestError(f"{path}: cannot be read after line {number - 1} ({exc}); the "
                          "batches before it were imported") from None
    yield Checkpoint(state_key, Position(number, offset, done=True).to_json(identity),
                     total, total)


def _parse_line(line: bytes, path: Path, number: int,
                prefix: str | None) -> Paper | Rejected | None:
    """The line as a Paper or Rejected (at path:number); None for blank lines and for
    papers outside prefix."""
    if not line.strip():
        return None
    try:
        record = decode_line(line)
        if prefix and isinstance(record, dict) and isinstance(record.get("categories"), str) \
                and not any(c.startswith(prefix) for c in record["categories"].split()):
            return None
        return check_paper(parse_record(record))
    except ValueError as exc:
        return Rejected(f"{path}:{number}", str(exc))


def saved_position(saved: str | None, identity: dict[str, Any]) -> Position:
    """Where to start: the saved position if it belongs to this very file and is not done."""
    if not saved:
        return Position()
    state = json.loads(saved)
    if state.get("done") or any(state.get(k) != v for k, v in identity.items()):
        return Position()
    return Position(int(state["line"]), int(state["offset"]))


def import_snapshot(store: Store, path: Path, *, category_prefix: str | None = None,
                    strict: bool = False, restart: bool = False, batch_size: int = BATCH_SIZE,
                    progress: Progress | None = None) -> IngestReport:
    """Import a snapshot file (plain or gzip), resuming an interrupted import of the same
    file unless restart; each batch is one transaction, its end saved as the position.

    A child process parses the file (ingest/parse_process.py) while this one writes, in
    bulk: the full-text index catches up every few tens of thousands of papers and at the
    end (store/sqlite/papers.py)."""
    key = f"{SOURCE}:{path.resolve()}"
    identity = file_identity(path, category_prefix)
    start = Position() if restart else saved_position(store.get_state(key), identity)
    batches = parsed_batches(child_args(path, category_prefix=category_prefix, line=start.line,
                                        offset=start.offset, every=batch_size, state_key=key))
    try:
        return import_rows(store, batches, source=SOURCE, strict=strict, progress=progress)
    finally:
        batches.close()
