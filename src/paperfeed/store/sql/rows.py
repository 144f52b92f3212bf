"""Subscription rows <-> models, and timestamps as sortable text; shared by both backends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from paperfeed.models import Preferences, Subscription

SUBSCRIPTION_COLUMNS = ("id", "email", "topics", "categories", "frequency", "weekday",
                        "send_hour", "timezone", "status", "bounces", "created_at",
                        "confirmed_at", "confirm_sent_at", "last_digest_date")

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
    )
