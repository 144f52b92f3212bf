"""The watch list: a reader's saved papers that changed (a new arXiv version, code, a DOI,
a journal reference) since the reader last saw them, each with what changed in words."""

from __future__ import annotations

from typing import Any

from paperfeed.models import WatchUpdate
from paperfeed.store import Store

__all__ = ["describe", "watch_list"]


def describe(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """What changed between two watch states, as short phrases."""
    changes = []
    if after.get("version", 1) > before.get("version", 1):
        changes.append(f"new version v{after['version']}")
    new_code = [u for u in after.get("code") or [] if u not in (before.get("code") or [])]
    if new_code:
        changes.append("code: " + ", ".join(new_code[:3]))
    if after.get("doi") and after.get("doi") != before.get("doi"):
        changes.append(f"DOI {after['doi']}")
    if after.get("journal_ref") and after.get("journal_ref") != before.get("journal_ref"):
        changes.append(f"published in {after['journal_ref']}")
    return tuple(changes)


def watch_list(store: Store, reader_id: int) -> list[WatchUpdate]:
    """The reader's saved papers with news, newest save first (removals are not news)."""
    found = [(pid, describe(before, after))
             for pid, before, after in store.watch_changes(reader_id)]
    found = [(pid, changes) for pid, changes in found if changes]
    papers = {p.id: p for p in store.get_papers([pid for pid, _ in found])}
    return [WatchUpdate(papers[pid], changes) for pid, changes in found if pid in papers]
