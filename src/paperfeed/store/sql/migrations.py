"""Numbered plain-SQL migrations per backend (store/<backend>/migrations/NNNN_name.sql)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(script: str) -> tuple[str, ...]:
    """Split a script into complete statements (triggers with inner `;` stay whole)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;") and not _only_comments(pending):
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not _only_comments(pending):
        statements.append(pending.strip())
    return tuple(statements)


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def load_migrations(backend: str) -> list[Migration]:
    """The backend's migrations in version order."""
    folder = resources.files(f"paperfeed.store.{backend}.migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, _ = entry.name.partition("_")
            found.append(Migration(int(number), entry.name.removesuffix(".sql"),
                                   split_statements(entry.read_text(encoding="utf-8"))))
    return sorted(found, key=lambda m: m.version)
