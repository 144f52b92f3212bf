"""Papers as BibTeX entries (the saved-papers export): escaped so that a title cannot end
its field or entry early."""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperfeed.models import Paper

_KEY = re.compile(r"[^A-Za-z0-9:._-]")
_ARXIV = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$")


def _field(text: str) -> str:
    """Text inside a braced field: braces and backslashes made harmless, one line."""
    cleaned = " ".join(text.split())
    return cleaned.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")


def _entry(paper: Paper, base_url: str) -> str:
    key = _KEY.sub("_", paper.id)
    fields = [("title", paper.title), ("author", " and ".join(paper.author_names))]
    if paper.published:
        fields.append(("year", str(paper.published.year)))
    if _ARXIV.match(paper.id):
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryClass", paper.primary_category))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.journal_ref:
        fields.append(("journal", paper.journal_ref))
    fields.append(("url", f"{base_url}/papers/{paper.id}"))
    body = ",\n".join(f"  {name} = {{{_field(value)}}}" for name, value in fields if value)
    kind = "article" if paper.journal_ref else "misc"
    return f"@{kind}{{{key},\n{body}\n}}\n"


def bibtex_entries(papers: Sequence[Paper], base_url: str) -> str:
    return "\n".join(_entry(p, base_url) for p in papers)
