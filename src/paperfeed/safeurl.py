"""The one check for links shown to readers: absolute http(s) URLs only, nothing else."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MAX_URL = 2000
_UNSAFE = re.compile(r"[\s\x00-\x1f]")  # whitespace (as str.isspace) or a control character
# Plain links (lower-case scheme, host, port, a path of unreserved characters) are their own
# normal form: urlunsplit(urlsplit(url)) == url. Most stored links are like this (arXiv's),
# so they skip the parse, which is most of an import's link checking.
_PLAIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~/-]*)?")


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link; None for anything else (javascript:,
    data:, relative, control characters, over MAX_URL characters). Every page, feed, API
    answer and mail that shows a stored link passes it through here."""
    if not url or len(url) > MAX_URL:
        return None
    if _PLAIN.fullmatch(url):
        return url
    if _UNSAFE.search(url.strip()):
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    return urlunsplit(parts)


def safe_urls(urls: tuple[str, ...] | list[str]) -> list[str]:
    """The safe ones among urls, in order."""
    return [u for u in (safe_url(v) for v in urls) if u is not None]


__all__ = ["MAX_URL", "safe_url", "safe_urls"]
