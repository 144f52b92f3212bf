"""Paper <-> database row, and the merge rule when a paper arrives again; shared by backends."""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any

from paperfeed.models import Author, Paper, Version

COLUMNS = (
    "id", "version", "title", "abstract", "authors", "authors_text", "categories",
    "primary_category", "published", "updated", "announced", "day", "doi", "journal_ref",
    "comments", "license", "url", "pdf_url", "code_urls", "source", "upstream_upvotes",
    "github_repo", "github_stars", "ai_keywords", "fingerprint",
)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one per call


def _dump(value: Any) -> str:
    return _ENCODER.encode(value)


def _dump_strings(items: tuple[str, ...]) -> str:
    """_dump(list(items)), byte for byte, without the encoder's per-call set-up."""
    try:
        return f"[{','.join(map(encode_basestring, items))}]"
    except TypeError:  # not all strings: let the encoder say what it makes of them
        return _dump(list(items))


def _dump_authors(authors: tuple[Author, ...]) -> str:
    """_dump([_author_json(a) for a in authors]), byte for byte, faster."""
    try:
        return "[" + ",".join(
            f'{{"name":{encode_basestring(a.name)},"affiliation":'
            f'{encode_basestring(a.affiliation)}}}' if a.affiliation else
            f'{{"name":{encode_basestring(a.name)}}}' for a in authors) + "]"
    except TypeError:
        return _dump([_author_json(a) for a in authors])


def paper_to_columns(paper: Paper) -> dict[str, Any]:
    """The column values that store a paper (versions are stored apart)."""
    row: dict[str, Any] = {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": _dump_authors(paper.authors),
        "authors_text": ", ".join(paper.author_names),
        "categories": _dump_strings(paper.categories),
        "primary_category": paper.primary_category,
        "published": _iso(paper.published),
        "updated": _iso(paper.updated),
        "announced": _iso(paper.announced),
        "day": _iso(paper.day),
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comments": paper.comments,
        "license": paper.license,
        "url": paper.url,
        "pdf_url": paper.pdf_url,
        "code_urls": _dump_strings(paper.code_urls),
        "source": paper.source,
        "upstream_upvotes": paper.upstream_upvotes,
        "github_repo": paper.github_repo,
        "github_stars": paper.github_stars,
        "ai_keywords": _dump_strings(paper.ai_keywords),
    }
    # The values joined by a separator that no value holds (NUL is removed below); None is
    # written as a lone NUL. Cheaper than dumping the row to JSON, which bulk imports felt.
    joined = _joined(row)
    if joined.count("\x00") != len(row) - 1 + sum(v is None for v in row.values()):
        # NUL cannot be stored in PostgreSQL text; both backends drop it (JSON escapes it).
        row = {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in row.items()}
        joined = _joined(row)
    row["fingerprint"] = hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()
    return row


# A paper rendered for storage, cheap to send between processes (plain tuples pickle about
# 25x faster than Paper objects): the COLUMNS values, and (version, created ISO) pairs.
RowValues = tuple[Any, ...]
PaperRow = tuple[RowValues, tuple[tuple[int, str | None], ...]]
FINGERPRINT = COLUMNS.index("fingerprint")


def render_paper(paper: Paper) -> PaperRow:
    """A paper rendered for storage (a PaperRow): paper_to_columns's values as a tuple in
    COLUMNS order, with the versions; what the parser process sends the writer."""
    row = paper_to_columns(paper)
    return (_IN_COLUMN_ORDER(row),
            tuple((v.version, _iso(v.created)) for v in paper.versions))


def rendered_to_paper(row: PaperRow) -> Paper:
    """The Paper that render_paper rendered (NUL characters stay dropped)."""
    values, versions = row
    return columns_to_paper(dict(zip(COLUMNS, values, strict=True)),
                        tuple(Version(n, _dt(created)) for n, created in versions))


def _joined(row: dict[str, Any]) -> str:
    return "\x00\x1f".join("\x00" if v is None else str(v) for v in row.values())


_IN_COLUMN_ORDER = operator.itemgetter(*COLUMNS)


def _author_json(author: Author) -> dict[str, str]:
    if author.affiliation:
        return {"name": author.name, "affiliation": author.affiliation}
    return {"name": author.name}


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def columns_to_paper(row: Mapping[str, Any], versions: tuple[Version, ...] = ()) -> Paper:
    """Rebuild a Paper from a row of the papers table read by column name (a sqlite3.Row or
    a dict): the inverse of paper_to_columns."""
    announced = row["announced"]
    return Paper(
        id=row["id"],
        version=row["version"],
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple(Author(a["name"], a.get("affiliation"))
                      for a in json.loads(row["authors"])),
        categories=tuple(json.loads(row["categories"])),
        primary_category=row["primary_category"],
        published=_dt(row["published"]),
        updated=_dt(row["updated"]),
        announced=date.fromisoformat(announced) if announced else None,
        versions=versions,
        doi=row["doi"],
        journal_ref=row["journal_ref"],
        comments=row["comments"],
        license=row["license"],
        url=row["url"],
        pdf_url=row["pdf_url"],
        code_urls=tuple(json.loads(row["code_urls"])),
        source=row["source"],
        upstream_upvotes=row["upstream_upvotes"],
        github_repo=row["github_repo"],
        github_stars=row["github_stars"],
        ai_keywords=tuple(json.loads(row["ai_keywords"])),
    )


def _max(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(first + second))


def merge_batch(papers: Iterable[Paper]) -> dict[str, Paper]:
    """A batch by id, a paper that comes twice merged first (merge_papers)."""
    incoming: dict[str, Paper] = {}
    for paper in papers:
        seen = incoming.get(paper.id)
        incoming[paper.id] = paper if seen is None else merge_papers(seen, paper)
    return incoming


def merge_papers(old: Paper, new: Paper) -> Paper:
    """One paper seen twice: the latest version wins, gaps are filled, signals are kept.

    A newer (or equal) version's text replaces the stored one; an older one only fills
    fields the stored paper lacks. Upvotes and stars keep the highest figure seen, code
    links and versions are unioned, the first source stays the paper's origin.
    """
    base, other = (new, old) if new.version >= old.version else (old, new)
    filled = {
        name: getattr(other, name)
        for name in ("primary_category", "updated", "announced", "doi", "journal_ref",
                     "comments", "license", "url", "pdf_url", "github_repo")
        if getattr(base, name) is None and getattr(other, name) is not None
    }
    published = min((p for p in (old.published, new.published) if p is not None),
                    default=None, key=lambda d: d.timestamp())
    versions = {v.version: v for v in other.versions} | {v.version: v for v in base.versions}
    return replace(
        base,
        **filled,
        authors=base.authors or other.authors,
        categories=base.categories or other.categories,
        ai_keywords=base.ai_keywords or other.ai_keywords,
        published=published,
        versions=tuple(versions[k] for k in sorted(versions)),
        code_urls=_union(base.code_urls, other.code_urls),
        source=old.source,
        upstream_upvotes=_max(old.upstream_upvotes, new.upstream_upvotes),
        github_stars=_max(old.github_stars, new.github_stars),
    )
