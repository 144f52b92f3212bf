"""A reader submits a paper by its arXiv id or link: the paper is put on the day's listing,
fetched from the arXiv API first when the instance lacks it.

Every refusal says why (SubmitRefused.reason): a malformed id, a paper arXiv does not have,
arXiv unreachable (then nothing is stored), a paper already submitted that day, a reader over
their daily limit. A paper arXiv sent is stored before it is listed; a refusal after that
leaves it stored but unlisted, which is an ordinary ingested paper.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from paperfeed.config import Settings
from paperfeed.errors import PaperfeedError
from paperfeed.ingest.arxiv_api import parse_feed
from paperfeed.ingest.fetch import Upstream, UpstreamError
from paperfeed.ingest.records import is_arxiv_id, split_arxiv_id
from paperfeed.models import Paper
from paperfeed.store import Store
from paperfeed.store.social import display_name

MAX_REF = 300  # characters of a pasted id or link
_HOST = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(abs|pdf)/", re.IGNORECASE)


class SubmitRefused(PaperfeedError):
    """A submission that did not happen; reason is one of malformed, not_found, unreachable,
    already_submitted, over_limit; the message says it in words."""

    def __init__(self, reason: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason, self.retry_after = reason, retry_after


@dataclass(frozen=True)
class Submitted:
    """A paper now on the day's listing; fetched says whether it came from arXiv just now."""

    paper: Paper
    fetched: bool


def parse_reference(text: str) -> str:
    """The arXiv id (without version) in a pasted id or abs/pdf link; SubmitRefused if none."""
    raw = " ".join(text.split())[:MAX_REF + 1]
    if not raw or len(raw) > MAX_REF:
        raise SubmitRefused("malformed", "Paste an arXiv id (2401.01234) or its arXiv link.")
    cleaned = _HOST.sub(lambda m: f"https://arxiv.org/{m.group(1).lower()}/", raw)
    paper_id, _ = split_arxiv_id(cleaned.split("?")[0].split("#")[0].rstrip("/"))
    if not is_arxiv_id(paper_id):
        raise SubmitRefused("malformed", f"“{raw[:80]}” is not an arXiv id or link (try "
                            "2401.01234, arXiv:2401.01234v2 or https://arxiv.org/abs/2401.01234).")
    return paper_id


class _Missing(Exception):
    """arXiv answered, and it has no such paper (or its record cannot be read)."""


def fetch_paper(settings: Settings, paper_id: str) -> Paper:
    """The paper from the arXiv API (the polite client, retried); SubmitRefused when arXiv
    does not have it or cannot be reached."""
    params: dict[str, str | int] = {"id_list": paper_id, "max_results": 1}
    where = str(httpx.URL(settings.arxiv_api_url, params=params))

    def read(response: httpx.Response) -> Paper:
        try:
            page = parse_feed(response.content, where)
        except UpstreamError as exc:  # the API's error entry: it refused this id
            raise _Missing(str(exc)) from None
        found = [e for e in page.entries if isinstance(e, Paper) and e.id == paper_id]
        if not found:
            raise _Missing("no such paper")
        return found[0]

    try:
        with Upstream(settings, "arXiv API") as upstream:
            return upstream.get(settings.arxiv_api_url, params, read=read)
    except _Missing:
        raise SubmitRefused("not_found", f"arXiv has no paper {paper_id}.") from None
    except UpstreamError as exc:
        raise SubmitRefused("unreachable", f"arXiv could not be reached, so {paper_id} was "
                            f"not added; try again later. ({exc})") from None


Fetch = Callable[[Settings, str], Paper]


def submit_paper(store: Store, settings: Settings, reference: str, *, reader_id: int,
                 display_name: str, now: datetime, fetch: Fetch = fetch_paper) -> Submitted:
    """Put the paper reference names on now's daily listing, submitted by display_name."""
    paper_id = parse_reference(reference)
    today = now.date()
    earlier = store.submissions([paper_id]).get(paper_id)
    if earlier is not None and earlier.day == today:
        raise SubmitRefused("already_submitted", f"{paper_id} was already submitted today "
                            f"(by {earlier.display_name}).")
    wait = store.hit_limit(f"submit:{reader_id}", limit=settings.submit_limit_per_day,
                           window=timedelta(days=1), now=now)
    if wait is not None:
        raise SubmitRefused("over_limit", f"You have submitted {settings.submit_limit_per_day} "
                            "papers in the last 24 hours, the most allowed; try again in "
                            f"{max(1, round(wait / 3600))} hour(s).", retry_after=wait)
    paper, fetched = store.get_paper(paper_id), False
    if paper is None:
        paper, fetched = fetch(settings, paper_id), True
        store.upsert_papers([paper])
    if not store.add_submission(paper_id, today, reader_id=reader_id,
                                display_name=display_name, now=now):
        raise SubmitRefused("already_submitted", f"{paper_id} was already submitted today.")
    return Submitted(store.get_paper(paper_id) or paper, fetched)


def submitter_name(store: Store, reader_id: int) -> str:
    """How a submitter is shown: the name they chose for their comments, else the neutral
    reader-N (never their address)."""
    return display_name(store.reader_profile(reader_id)[0], reader_id)
