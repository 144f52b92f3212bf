"""The keyword index's files: what a paper becomes in tantivy (one analysed field of title and
abstract, filter fields), where a store's index lives, and the mark file that says which
database it belongs to and how far it has got (index/keyword_index.py writes and reads them).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import tantivy

from paperfeed.index.embedder import default_cache_dir
from paperfeed.store import Store
from paperfeed.store.shapes import ChangedPaper
from paperfeed.store.terms import fold

SETTLE_SECONDS = 10  # each run first re-reads papers changed this long before the mark
STATE_KEY = "keyword_index"  # the store's state: which index directory belongs to it
TOKENIZER = "paperfeed"


def analyzer() -> tantivy.TextAnalyzer:
    """Words as rank/bm25.py sees them: runs of letters and digits (the text is folded
    first), Snowball English stems."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def schema() -> tantivy.Schema:
    """One analysed field for the words (frequencies, no positions), filter fields beside."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("body", tokenizer_name=TOKENIZER, index_option="freq")
    builder.add_text_field("cat", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_integer_field("code", indexed=True)
    return builder.build()


def index_dir(store: Store, cache_dir: Path | None = None) -> Path:
    """Where store's keyword index lives: one directory per store URL."""
    parts = urlsplit(store.url)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc  # the file, the database
    slug = re.sub(r"[^A-Za-z0-9_.]+", "_", name)[:40]
    digest = uuid.uuid5(uuid.NAMESPACE_URL, store.url).hex[:16]
    return (cache_dir or default_cache_dir() / "keyword") / f"{slug}-{digest}"


def category_terms(categories: Sequence[str]) -> list[str]:
    """Each category and its archive ("cs.LG" -> "cs", "cs.lg"), as the filters match them."""
    out: dict[str, None] = {}
    for category in categories:
        parts = category.lower().split(".")
        out.update((".".join(parts[:n]), None) for n in range(1, len(parts) + 1))
    return list(out)


def day_number(value: date | str | None) -> int:
    """A day as tantivy's day field holds it (2026-03-02 -> 20260302; 0: none)."""
    if value is None:
        return 0
    text = value.isoformat() if isinstance(value, date) else value
    return int(text[:10].replace("-", ""))


def document(paper: ChangedPaper) -> tantivy.Document:
    """What the index holds of a paper."""
    return tantivy.Document(id=paper.id, body=fold(f"{paper.title}. {paper.abstract}"),
                            cat=category_terms(paper.categories), day=day_number(paper.day),
                            code=int(paper.has_code))


@dataclass(frozen=True)
class Mark:
    """Which database an index belongs to (a token the database keeps in its state, the same
    for every host's copy of the index), the cursor of the last paper committed, and when
    that batch was read (UTC, ISO)."""

    token: str
    after: tuple[str, str] | None
    read_at: str = ""

    @classmethod
    def read(cls, path: Path) -> Mark | None:
        try:
            data = json.loads((path / "mark.json").read_text(encoding="utf-8"))
            after = data["after"]
            return cls(str(data["token"]), (str(after[0]), str(after[1])) if after else None,
                       str(data.get("read_at", "")))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def write(self, path: Path) -> None:
        """Replace the mark by renaming: a reader sees the old or the new one, never half."""
        tmp = path / f"mark.json.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"token": self.token, "after": self.after,
                                   "read_at": self.read_at}), encoding="utf-8")
        tmp.replace(path / "mark.json")

    def resume(self) -> tuple[str, str] | None:
        """Where the next run reads from: the cursor, or SETTLE_SECONDS before the last read
        when the cursor is younger than that. A transaction that began before that read and
        committed after it wrote papers dated before the cursor; a transaction is taken to
        last less than SETTLE_SECONDS."""
        if self.after is None or not self.read_at:
            return self.after
        settled = (datetime.fromisoformat(self.read_at)
                   - timedelta(seconds=SETTLE_SECONDS)).isoformat(timespec="seconds")
        return self.after if self.after[0] <= settled else (settled, "")


def open_index(path: Path, *, create: bool) -> tantivy.Index:
    if create:
        path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), path=str(path), reuse=True)
    index.register_tokenizer(TOKENIZER, analyzer())
    return index


def own_mark(store: Store, path: Path) -> Mark | None:
    """The mark at path when the index there is of this database (None: no index yet, or
    another database's under the same URL)."""
    mark = Mark.read(path)
    return mark if mark is not None and mark.token == store.get_state(STATE_KEY) else None
