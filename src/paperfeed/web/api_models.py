"""The JSON shapes the API serves (ours under /api/v1, and the Hugging Face Hub's), built from
Paper and Hit; pydantic models so /openapi.json describes exactly what is sent."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from paperfeed.models import Card, Hit, Paper, Submission
from paperfeed.safeurl import safe_url, safe_urls


def page_url(base_url: str, paper_id: str) -> str:
    """Our HTML page of a paper."""
    return f"{base_url.rstrip('/')}/papers/{quote(paper_id, safe='/')}"


class ErrorOut(BaseModel):
    detail: str


# -- our own shapes -------------------------------------------------------------------------

class AuthorOut(BaseModel):
    name: str
    affiliation: str | None = None


class PaperOut(BaseModel):
    """A paper with every stored field, its local vote count and its page on this instance."""

    id: str
    title: str
    abstract: str
    authors: list[AuthorOut]
    categories: list[str]
    primary_category: str | None
    published: datetime | None
    updated: datetime | None
    day: date | None = Field(description="The listing day: announced, else published.")
    version: int
    doi: str | None
    journal_ref: str | None
    comments: str | None
    license: str | None
    url: str | None = Field(description="Landing page at the source (the arXiv abstract).")
    pdf_url: str | None
    page_url: str = Field(description="This paper's page on this instance.")
    code_urls: list[str]
    source: str
    votes: int = Field(description="Upvotes by readers of this instance.")
    upstream_upvotes: int | None = Field(description="Upvotes on Hugging Face, when known.")
    github_repo: str | None
    github_stars: int | None
    ai_keywords: list[str]


class HitOut(PaperOut):
    """A paper in a ranked list, with its score and why it is there."""

    score: float
    reason: str | None


class PeriodOut(BaseModel):
    kind: Literal["day", "week", "month"]
    start: date
    end: date


class PaperPage(BaseModel):
    """One page of a list; ask for offset=next_offset for the next one (null: no more)."""

    items: list[HitOut]
    limit: int
    offset: int
    next_offset: int | None
    sort: str
    period: PeriodOut | None = None


class SearchPage(PaperPage):
    query: str
    mode: str = Field(description="The mode used: semantic and hybrid fall back to keyword "
                      "when no embedding model is installed.")
    total: int = Field(description="Results that match the query; they come first, the "
                       "related results ranked after them.")
    total_more: bool = Field(description="More papers may match than the ones ranked.")
    related: int = Field(description="Results after the matching ones: near, not matching.")
    terms: list[str]


class VoteOut(BaseModel):
    paper_id: str
    voted: bool
    votes: int


def paper_out(paper: Paper, votes: int, base_url: str) -> PaperOut:
    return PaperOut(
        id=paper.id, title=paper.title, abstract=paper.abstract,
        authors=[AuthorOut(name=a.name, affiliation=a.affiliation) for a in paper.authors],
        categories=list(paper.categories), primary_category=paper.primary_category,
        published=paper.published, updated=paper.updated, day=paper.day,
        version=paper.version, doi=paper.doi, journal_ref=paper.journal_ref,
        comments=paper.comments, license=paper.license, url=safe_url(paper.url),
        pdf_url=safe_url(paper.pdf_url), page_url=page_url(base_url, paper.id),
        code_urls=safe_urls(paper.code_urls), source=paper.source, votes=votes,
        upstream_upvotes=paper.upstream_upvotes, github_repo=safe_url(paper.github_repo),
        github_stars=paper.github_stars,
        ai_keywords=list(paper.ai_keywords))


def hit_out(hit: Hit, base_url: str) -> HitOut:
    base = paper_out(hit.paper, hit.votes, base_url)
    score = hit.score if math.isfinite(hit.score) else 0.0
    return HitOut(**base.model_dump(), score=score, reason=hit.reason)


def next_offset(offset: int, limit: int, got: int) -> int | None:
    return offset + limit if got >= limit else None


# -- the Hugging Face Hub's shapes (what huggingface_hub.HfApi parses) ----------------------

def hub_time(value: datetime | date | None) -> str | None:
    """The Hub's timestamp format: 2024-01-02T03:04:05.000Z."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), UTC)
    value = value.astimezone(UTC) if value.tzinfo else value
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class _Hub(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class HubAuthor(_Hub):
    id: str = Field(alias="_id")
    name: str
    hidden: bool = False


class HubUser(_Hub):
    """Who brought the paper in: on this instance, the source (arxiv, hf_daily, jsonl...)."""

    id: str = Field(alias="_id")
    user: str
    name: str
    fullname: str
    avatarUrl: str = ""  # noqa: N815 (the Hub's key)
    isPro: bool = False  # noqa: N815
    type: str = "user"


SUMMARY_DOC = ("Extractive, not generated: the abstract's own sentence that states the "
               "contribution, picked locally by `paperfeed index` (no language model).")
KEYWORDS_DOC = ("Keyphrases: Hugging Face's when the paper came from there, else extracted "
                "locally from the title and abstract by `paperfeed index`.")
SUBMITTER_DOC = "The reader who put the paper on a day's list (null: listed by its source)."


class HubPaper(_Hub):
    """A paper as GET /api/papers/{id} on the Hub returns it."""

    id: str
    title: str
    summary: str
    authors: list[HubAuthor]
    publishedAt: str | None  # noqa: N815
    submittedOnDailyAt: str | None  # noqa: N815
    upvotes: int
    discussionId: str  # noqa: N815
    ai_summary: str | None = Field(None, description=SUMMARY_DOC)
    ai_keywords: list[str] = Field(description=KEYWORDS_DOC)
    githubRepo: str | None  # noqa: N815
    githubStars: int | None  # noqa: N815
    projectPage: str | None = None  # noqa: N815
    numComments: int = 0  # noqa: N815
    submittedOnDailyBy: HubUser | None = Field(None, description=SUBMITTER_DOC)  # noqa: N815


class HubDailyItem(_Hub):
    """One entry of GET /api/daily_papers and /api/papers/search on the Hub."""

    paper: HubPaper
    publishedAt: str | None  # noqa: N815
    title: str
    summary: str
    thumbnail: str = ""
    numComments: int = 0  # noqa: N815
    submittedBy: HubUser  # noqa: N815
    isAuthorParticipating: bool = False  # noqa: N815
    # Repeated from paper: huggingface_hub's PaperInfo reads these at the top level only.
    upvotes: int
    githubRepo: str | None  # noqa: N815
    githubStars: int | None  # noqa: N815
    ai_keywords: list[str] = Field(description=KEYWORDS_DOC)
    ai_summary: str | None = Field(None, description=SUMMARY_DOC)
    projectPage: str | None = None  # noqa: N815


class HubError(BaseModel):
    error: str


def hub_upvotes(paper: Paper, votes: int) -> int:
    """Local votes plus the upvotes the paper had on Hugging Face when it was ingested."""
    return votes + (paper.upstream_upvotes or 0)


def _github(paper: Paper) -> str | None:
    return safe_url(paper.github_repo) or next(
        (u for u in safe_urls(paper.code_urls) if u.startswith("https://github.com/")), None)


def _submitter(submission: Submission | None) -> HubUser | None:
    """A reader shown by their display name (never their address)."""
    if submission is None:
        return None
    name = submission.display_name
    return HubUser(_id=f"reader:{name}", user=name, name=name, fullname=name)


def hub_paper(paper: Paper, votes: int, comments: int = 0, card: Card | None = None,
              submission: Submission | None = None) -> HubPaper:
    published = paper.published or paper.day
    listed = submission.submitted_at if submission is not None else paper.day
    return HubPaper(
        id=paper.id, title=paper.title, summary=paper.abstract,
        authors=[HubAuthor(_id=f"{paper.id}#{i}", name=a.name)
                 for i, a in enumerate(paper.authors)],
        publishedAt=hub_time(published), submittedOnDailyAt=hub_time(listed),
        upvotes=hub_upvotes(paper, votes), discussionId=paper.id,
        ai_keywords=list(paper.ai_keywords or (card.keyphrases if card else ())),
        ai_summary=card.summary if card else None,
        projectPage=safe_url(card.project_page) if card else None,
        githubRepo=_github(paper), githubStars=paper.github_stars,
        numComments=comments, submittedOnDailyBy=_submitter(submission))


def hub_item(paper: Paper, votes: int, comments: int = 0, card: Card | None = None,
             submission: Submission | None = None) -> HubDailyItem:
    hub = hub_paper(paper, votes, comments, card, submission)
    who = hub.submittedOnDailyBy or HubUser(_id=paper.source, user=paper.source,
                                            name=paper.source, fullname=paper.source)
    listed = submission.submitted_at if submission is not None else paper.day
    return HubDailyItem(paper=hub, publishedAt=hub_time(listed), title=paper.title,
                        summary=paper.abstract, submittedBy=who, upvotes=hub.upvotes,
                        githubRepo=hub.githubRepo, githubStars=hub.githubStars,
                        ai_keywords=hub.ai_keywords, numComments=comments,
                        ai_summary=hub.ai_summary, projectPage=hub.projectPage)
