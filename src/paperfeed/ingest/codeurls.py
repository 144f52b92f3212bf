"""Find code and project links in abstracts and comments, normalised and deduplicated."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(  # the leading [hgw] test (every match starts so) skips most positions fast
    r"(?=[hgwHGW])(?i:(?:https?://|(?<![\w.@/])(?=(?:www\.)?(?:github|gitlab|huggingface)"
    r"\.(?:com|co)/))[^\s<>\"'{}|\\^`]+)",
)
_CODE_HOSTS = frozenset({
    "github.com", "gitlab.com", "huggingface.co", "bitbucket.org", "codeberg.org",
    "gitee.com", "sourceforge.net", "colab.research.google.com", "zenodo.org",
})
_PROJECT_HOST_SUFFIXES = (".github.io", ".gitlab.io", ".pages.dev", ".netlify.app")
_TRAILING = ".,;:!?)]}'\"*>"
_HINTS = ("http", "github.", "gitlab.", "huggingface.")  # every _URL match holds one


def normalise(url: str) -> str | None:
    """A canonical form of a link, or None if it is not a link worth keeping."""
    url = url.strip().rstrip(_TRAILING)
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1].rstrip(_TRAILING)
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if "." not in host:
        return None
    path = parts.path.rstrip("/").removesuffix(".git")
    return urlunsplit(("https", host, path, parts.query, ""))


def is_code_link(url: str) -> bool:
    """Code hosts with a path (a repository, a model), and project pages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host in _CODE_HOSTS:
        return parts.path.strip("/").count("/") >= 1 or host == "zenodo.org"
    return host.endswith(_PROJECT_HOST_SUFFIXES)


def _may_link(text: str) -> bool:
    """A cheap test that lets most abstracts (no link at all) skip the regular expression."""
    low = text.lower()
    return any(hint in low for hint in _HINTS)


def find_code_urls(*texts: str | None, known: Iterable[str] = ()) -> tuple[str, ...]:
    """Code links from known ones plus those found in the texts, first seen first."""
    found: dict[str, str] = {}  # lowercased -> first spelling seen
    candidates = list(known) + [m.group(0) for t in texts if t and _may_link(t)
                                for m in _URL.finditer(t)]
    for raw in candidates:
        url = normalise(raw)
        if url and is_code_link(url):
            found.setdefault(url.lower(), url)
    return tuple(found.values())
