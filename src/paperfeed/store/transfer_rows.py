"""Subscription rows <-> the JSON-ready dicts that export and import use; shared by backends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

LIST_COLUMNS = frozenset({"topics", "categories"})  # stored as JSON text, exported as lists
HIDDEN_COLUMNS = frozenset({"id"})  # instance-local keys are not exported


def subscription_out(row: Mapping[str, Any], columns: list[str]) -> dict[str, Any]:
    """A stored subscription row as JSON-ready values (lists decoded, id left out)."""
    out: dict[str, Any] = {}
    for name in columns:
        if name in HIDDEN_COLUMNS:
            continue
        value = row[name]
        out[name] = json.loads(value) if name in LIST_COLUMNS and value is not None else value
    return out


def subscription_in(record: Mapping[str, Any], columns: list[str]) -> dict[str, Any]:
    """An exported subscription as column values; ValueError names unknown keys."""
    unknown = sorted(set(record) - set(columns) - HIDDEN_COLUMNS)
    if unknown:
        raise ValueError(f"unknown subscription field(s) {', '.join(unknown)}; known: "
                         f"{', '.join(c for c in columns if c not in HIDDEN_COLUMNS)}")
    if not isinstance(record.get("email"), str) or not record["email"].strip():
        raise ValueError("missing or empty 'email'")
    values: dict[str, Any] = {}
    for name, value in record.items():
        if name in HIDDEN_COLUMNS:
            continue
        if name in LIST_COLUMNS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{name!r} must be a list of strings")
            values[name] = json.dumps(value, ensure_ascii=False)
            continue
        if value is not None and not isinstance(value, str | int | float):
            raise ValueError(f"{name!r} must be text, a number or null")
        values[name] = value
    return values
