"""The one check for links shown to readers: absolute http(s) URLs only, nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MAX_URL = 2000


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link; None for anything else (javascript:,
    data:, relative, control characters, over MAX_URL characters). Every page, feed, API
    answer and mail that shows a stored link passes it through here."""
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url.strip()):
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
