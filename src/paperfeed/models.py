"""The shapes that flow between layers: frozen dataclasses with no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Author:
    """One author of a paper, as the source gave it."""

    name: str
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class Version:
    """One arXiv version of a paper (v1, v2, ...) and when it was submitted."""

    version: int
    created: datetime | None = None


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper as ingested: the key is the arXiv id without version, or a prefixed id."""

    id: str
    title: str
    abstract: str
    authors: tuple[Author, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    announced: date | None = None
    version: int = 1
    versions: tuple[Version, ...] = ()
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    license: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    code_urls: tuple[str, ...] = ()
    source: str = "jsonl"
    upstream_upvotes: int | None = None
    github_repo: str | None = None
    github_stars: int | None = None
    ai_keywords: tuple[str, ...] = ()

    @property
    def day(self) -> date | None:
        """The date this paper belongs to in daily listings: announced, else published."""
        if self.announced is not None:
            return self.announced
        return self.published.date() if self.published is not None else None

    @property
    def author_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.authors)


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one batch (or a whole import) did to the papers table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.new + other.new,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be imported, with where it came from and why."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The summary an ingest prints: counts plus every rejected record's position."""

    source: str
    result: UpsertResult = field(default_factory=UpsertResult)
    rejected: tuple[Rejected, ...] = ()

    @property
    def total_seen(self) -> int:
        r = self.result
        return r.new + r.updated + r.unchanged + len(self.rejected)


@dataclass(frozen=True, slots=True)
class Hit:
    """A paper in a ranked list (search, trending, similar, for you), with why it is there."""

    paper: Paper
    score: float = 0.0
    votes: int = 0
    reason: str | None = None


# -- what index derives for cards and author pages; papers readers submit ----------------

@dataclass(frozen=True, slots=True)
class Card:
    """What `paperfeed index` derives from a paper for its card, locally: an extractive
    one-line summary (a sentence of the abstract), keyphrases, a project page link."""

    summary: str | None = None
    keyphrases: tuple[str, ...] = ()
    project_page: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A paper a reader put on a day's listing."""

    paper_id: str
    day: date
    display_name: str
    submitted_at: datetime
    reader_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorProfile:
    """One author, all spellings under one normalised key: papers newest first (ids), the
    spellings seen (name, papers), co-authors (key, a spelling, shared papers), categories."""

    key: str
    paper_ids: tuple[str, ...] = ()
    total: int = 0
    spellings: tuple[tuple[str, int], ...] = ()
    coauthors: tuple[tuple[str, str, int], ...] = ()
    categories: tuple[tuple[str, int], ...] = ()


# -- a reader's own signals -----------------------------------------------------------------

SIGNAL_KINDS = ("save", "hide", "more", "less", "like")
POSITIVE_KINDS = frozenset({"save", "more", "like"})  # like: imported or marked in onboarding
NEGATIVE_KINDS = frozenset({"hide", "less"})


@dataclass(frozen=True, slots=True)
class ReaderSignals:
    """Everything one reader told us (paper ids newest first); version moves with each change,
    so a model built from these may be cached under (reader, version)."""

    reader_id: int
    saved: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    more: tuple[str, ...] = ()
    less: tuple[str, ...] = ()
    liked: tuple[str, ...] = ()
    upvoted: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    version: int = 0

    @property
    def positives(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.saved + self.more + self.liked + self.upvoted))

    @property
    def negatives(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.hidden + self.less))

    @property
    def count(self) -> int:
        """How many signals the feed learns from (categories only filter, so not counted)."""
        return len(self.positives) + len(self.negatives) + len(self.authors) + len(self.topics)


@dataclass(frozen=True, slots=True)
class WatchUpdate:
    """A saved paper that changed since the reader last saw it: what changed, in words."""

    paper: Paper
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReplyNote:
    """Someone's reply to one of the reader's comments (for their digest, if they asked)."""

    paper: Paper
    author: str  # the replier's display name
    text: str  # the reply as written (Markdown), shown as plain text in mails
    comment_id: int


# -- deliver: subscriptions and digests --------------------------------------------------

@dataclass(frozen=True, slots=True)
class Preferences:
    """What a subscriber asked for: topics (free-text queries), categories and schedule."""

    topics: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    frequency: str = "daily"  # daily | weekly
    weekday: int = 0  # 0 = Monday: the day weekly digests go out
    send_hour: int = 7  # local hour in timezone, 0-23
    timezone: str = "UTC"  # an IANA zone name


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscriber's address, preferences and standing (pending until confirmed)."""

    id: int
    email: str
    prefs: Preferences = field(default_factory=Preferences)
    status: str = "pending"  # pending | active | paused | unsubscribed | bouncing
    bounces: int = 0
    created_at: datetime | None = None
    confirmed_at: datetime | None = None
    confirm_sent_at: datetime | None = None
    last_digest_date: date | None = None
    reader_id: int | None = None  # the signed-in reader with the same address, if any


@dataclass(frozen=True, slots=True)
class Claim:
    """A (subscription, digest date) one worker holds; message_id survives retries."""

    subscription_id: int
    digest_date: date
    worker: str
    attempts: int
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """The papers picked for one subscriber on one day."""

    subscription: Subscription
    digest_date: date
    trending: tuple[Hit, ...] = ()
    for_you: tuple[Hit, ...] = ()
    updates: tuple[WatchUpdate, ...] = ()  # the linked reader's saved papers that changed
    reader_id: int | None = None  # the signed-in reader this subscriber is (same address)
    replies: tuple[ReplyNote, ...] = ()  # to the reader's comments, when they opted in

    @property
    def count(self) -> int:
        return len(self.trending) + len(self.for_you) + len(self.updates) + len(self.replies)

    @property
    def paper_ids(self) -> tuple[str, ...]:
        return tuple(h.paper.id for h in (*self.trending, *self.for_you))
