"""Subscription rows <-> models (digests) and <-> JSON-ready dicts (export, import); timestamps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from paperfeed.models import Preferences, Subscription

SUBSCRIPTION_COLUMNS = ("id", "email", "topics", "categories", "frequency", "weekday",
                        "send_hour", "timezone", "status", "bounces", "created_at",
                        "confirmed_at", "confirm_sent_at", "last_digest_date")

LIST_COLUMNS = frozenset({"topics", "categories"})  # stored as JSON text, exported as lists
HIDDEN_COLUMNS = frozenset({"id", "reader_id"})  # instance-local keys are not exported

# A digest send is settled (never claimed again) when sent, skipped, or failed for good.
SETTLED = "(status IN ('sent', 'skipped') OR (status = 'failed' AND retry_at IS NULL))"


def ts(moment: datetime) -> str:
    """A UTC timestamp as fixed-width ISO text, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def prefs_values(prefs: Preferences) -> tuple[Any, ...]:
    """(topics, categories, frequency, weekday, send_hour, timezone) as column values."""
    return (json.dumps(list(prefs.topics), ensure_ascii=False),
            json.dumps(list(prefs.categories), ensure_ascii=False), prefs.frequency,
            prefs.weekday, prefs.send_hour, prefs.timezone)


def row_to_subscription(row: Mapping[str, Any]) -> Subscription:
    """A subscriptions row (sqlite3.Row or dict) as a Subscription."""
    last = row["last_digest_date"]
    return Subscription(
        id=int(row["id"]),
        email=str(row["email"]),
        prefs=Preferences(
            topics=tuple(json.loads(row["topics"])),
            categories=tuple(json.loads(row["categories"])),
            frequency=str(row["frequency"]),
            weekday=int(row["weekday"]),
            send_hour=int(row["send_hour"]),
            timezone=str(row["timezone"]),
        ),
        status=str(row["status"]),
        bounces=int(row["bounces"]),
        created_at=_moment(row["created_at"]),
        confirmed_at=_moment(row["confirmed_at"]),
        confirm_sent_at=_moment(row["confirm_sent_at"]),
        last_digest_date=date.fromisoformat(last) if last else None,
        reader_id=None if row["reader_id"] is None else int(row["reader_id"]),
    )


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
