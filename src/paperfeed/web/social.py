"""What the discussion and collection routes share: per-reader rate limits counted in the
store (every process together), who moderates, and store refusals as HTTP answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import HTTPException, Path, Request

from paperfeed.config import Settings
from paperfeed.errors import NotFound
from paperfeed.store import Store
from paperfeed.store.social import Blocked, TooLong
from paperfeed.web.auth import Reader

MAX_ID = 2**62  # row ids stay far inside a signed 64-bit column
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row number (1 and up).")]

# (hits, window) pairs per action; every pair must allow the hit
LIMITS: dict[str, tuple[tuple[int, timedelta], ...]] = {
    "comment": ((10, timedelta(minutes=10)), (100, timedelta(days=1))),
    "comment-edit": ((60, timedelta(hours=1)),),
    "collection": ((300, timedelta(hours=1)), (2000, timedelta(days=1))),
}


def limit(store: Store, what: str, reader_id: int) -> None:
    """429 with Retry-After once the reader has done `what` too often (LIMITS)."""
    for hits, window in LIMITS[what]:
        key = f"{what}:{int(window.total_seconds())}:{reader_id}"
        wait = store.hit_limit(key, limit=hits, window=window, now=datetime.now(UTC))
        if wait is not None:
            seconds = int(wait) + 1
            raise HTTPException(429, f"Too many at once: try again in {seconds} s.",
                                headers={"Retry-After": str(seconds)})


def is_admin(settings: Settings, reader: Reader | None) -> bool:
    """Whether the signed-in reader is a moderator (setting admin_emails)."""
    return reader is not None and reader.email.lower() in {
        a.strip().lower() for a in settings.admin_emails}


def moderator(request: Request) -> Reader:
    """The signed-in moderator; 401 when signed out, 403 for anyone else."""
    from paperfeed.web.readers import signed_in

    reader = signed_in(request, "moderate")
    if not is_admin(request.app.state.settings, reader):
        raise HTTPException(403, "Only moderators may do this.")
    return reader


@contextmanager
def refusals() -> Iterator[None]:
    """The store's refusals as HTTP errors that say what was wrong."""
    try:
        yield
    except Blocked as exc:
        raise HTTPException(403, f"You cannot post: {exc}.") from None
    except NotFound as exc:
        raise HTTPException(404, f"Not found: {exc}.") from None
    except (TooLong, ValueError) as exc:
        text = str(exc)
        raise HTTPException(400, text[:1].upper() + text[1:] + ".") from None
