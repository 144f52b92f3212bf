"""Role protocols: each names what one part of the app needs from the store.

The Store protocol (store/base.py) combines them; a module that needs only digests can ask
for a DigestStore, and a test double implements only that role.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from paperfeed.models import Claim, Paper, Preferences, Subscription, UpsertResult
from paperfeed.store.records import PaperRow
from paperfeed.store.shapes import Pending, PendingCursor, TextQuery, Vectors, VectorSearch


class Database(Protocol):
    """What every store is: a URL, a schema to migrate, a version for caches, a key-value state."""

    url: str

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied (empty when up to date)."""
        ...

    def pending_migrations(self) -> list[str]:
        """The migrations not applied yet (names), changing nothing."""
        ...

    def close(self) -> None: ...

    def data_version(self) -> str:
        """An opaque value that changes whenever papers or votes change (it may change more
        often); cheap enough to call on every page view: it keys the in-process page cache."""
        ...

    def get_state(self, key: str) -> str | None:
        """A value remembered between runs (an ingest cursor, for example)."""
        ...

    def set_state(self, key: str, value: str) -> None: ...


class PaperStore(Protocol):
    """Papers: written in batches, read by id, day and listing."""

    def upsert_papers(self, papers: Sequence[Paper]) -> UpsertResult:
        """Insert or merge a batch in one transaction: all of it lands, or none of it."""
        ...

    def upsert_rows(self, rows: Sequence[PaperRow], *, bulk: bool = False) -> UpsertResult:
        """upsert_papers for papers rendered by store.records.render_paper; under bulk the store
        may defer derived indexes (SQLite's full text) until finish_bulk or a later write."""
        ...

    def finish_bulk(self) -> None:
        """Bring what upsert_rows(bulk=True) deferred up to date (one transaction)."""
        ...

    def get_paper(self, paper_id: str) -> Paper | None: ...

    def get_papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        """The stored papers among paper_ids, in the order given (missing ids are skipped)."""
        ...

    def texts(self, paper_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Title and abstract of the stored papers among paper_ids (for scoring them)."""
        ...

    def list_papers(self, *, limit: int, offset: int = 0, day_from: date | None = None,
                    day_to: date | None = None) -> list[Paper]:
        """Papers newest first (by listing day, then id), optionally within [day_from, day_to]."""
        ...

    def count_papers(self) -> int: ...

    def neighbour_days(self, day: date) -> tuple[date | None, date | None]:
        """The nearest listing days that have papers before and after day (None: there is none)."""
        ...

    def listing_rows(self, day_from: date, day_to: date, *,
                     categories: Sequence[str] = ()) -> list[tuple[str, date, datetime | None,
                                                                   int | None]]:
        """(id, day, published, upstream upvotes) of papers listed in [day_from, day_to]."""
        ...

    def papers_version(self) -> str:
        """An opaque value that changes whenever a paper is added or changed, and not on
        votes, signals or other writes once the latest paper change is a few seconds old
        (an index lookup): it keys what is derived from papers alone."""
        ...

    def changed_at(self, paper_ids: Sequence[str]) -> datetime | None:
        """When any of these papers or their votes last changed (UTC); None if none exist."""
        ...

    def iter_papers(self, *, batch: int = 1000) -> Iterator[Paper]:
        """Every paper with its versions, by id; read batch by batch (for export)."""
        ...


class FullTextStore(Protocol):
    """Keyword search and the spelling vocabulary (FTS5 or tsvector behind it)."""

    def keyword_search(self, query: TextQuery, *, limit: int, offset: int = 0,
                       within: Sequence[str] | None = None,
                       order: str = "relevance") -> list[tuple[str, float]]:
        """(paper id, score > 0) best first: full-text relevance with title above abstract
        above authors (order="date": newest first). Without text terms, the papers passing
        the filters newest first with score 0 (none when there are no filters either).
        within restricts the answer to those ids."""
        ...

    def filter_ids(self, query: TextQuery, *, within: Sequence[str] | None = None,
                   limit: int = 100_000) -> list[str]:
        """Ids passing every part of query except any_of (newest first when within is None)."""
        ...

    def refresh_vocabulary(self, *, batch: int = 5000) -> int:
        """Count the words of up to batch papers not yet in the spelling vocabulary; return
        how many papers were counted (0: up to date)."""
        ...

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """Document frequency of each vocabulary word among terms (absent words are left out)."""
        ...

    def match_counts(self, words: Sequence[str], *, cap: int) -> dict[str, int]:
        """How many papers the full-text index matches for each word (as the index stems
        it), counted up to cap: cheap, and what bounds a query's work."""
        ...

    def similar_terms(self, word: str, *, limit: int = 50) -> list[tuple[str, int]]:
        """Vocabulary words sharing three-letter pieces with word, likeliest first, with their
        document frequencies; the caller picks by edit distance."""
        ...


class VectorStore(Protocol):
    """Embeddings of papers per model, and the nearest-neighbour index over them."""

    def pending_embeddings(self, model: str, *, limit: int,
                           after: PendingCursor | None = None) -> list[Pending]:
        """Papers with no vector from model, newest listing day first, then the undated;
        after: the last batch's `cursor`."""
        ...

    def count_pending_embeddings(self, model: str) -> int: ...

    def put_embeddings(self, model: str, paper_ids: Sequence[str], vectors: Vectors) -> None:
        """Store one vector per paper for model (replacing an older one)."""
        ...

    def embeddings_since(self, model: str, after: int = 0,
                         limit: int = 50_000) -> tuple[list[str], Vectors, int]:
        """Vectors of model stored after the sequence mark `after`, in store order: (ids,
        matrix, new mark). Call again with the new mark until no ids come back."""
        ...

    def get_embeddings(self, model: str, paper_ids: Sequence[str]) -> dict[str, Vectors]:
        """The stored vectors (1-d) of model for the given papers."""
        ...

    def embedding_counts(self) -> dict[str, int]:
        """How many vectors each model has."""
        ...

    def build_vector_index(self, model: str) -> bool:
        """Build the database's nearest-neighbour index over model's vectors if it has none
        (PostgreSQL: HNSW, far faster built once after a backfill than grown row by row);
        True when one was built. SQLite has none (vectors are searched in memory): False."""
        ...

    def vector_index(self, model: str) -> VectorSearch | None:
        """The database's own nearest-neighbour search over model's vectors (PostgreSQL:
        pgvector; every process shares it, none loads the vectors); None when the vectors
        are to be searched in this process (SQLite: index/vectors.py loads them)."""
        ...


class ReaderStore(Protocol):
    """Signed-in readers: their sessions and spent single-use tokens."""

    def get_or_create_reader(self, email: str) -> int:
        """The id of the reader with this e-mail (trimmed, lower-cased); created on first use."""
        ...

    def session_epoch(self, reader_id: int) -> int | None:
        """The reader's session epoch (sessions issued in an older one are over); None when
        there is no such reader."""
        ...

    def reader_session(self, reader_id: int) -> tuple[int, str] | None:
        """(session epoch, e-mail) of the reader; None when there is no such reader. A
        session cookie carries only the id and epoch; the address is looked up here."""
        ...

    def end_sessions(self, reader_id: int) -> None:
        """Sign the reader out everywhere: move on to a new session epoch."""
        ...

    def spend_token(self, nonce: str) -> bool:
        """Record a single-use token's nonce as spent; False when it was spent before."""
        ...

    def forget_spent_tokens(self, before: datetime) -> int:
        """Drop nonces spent before `before` (their tokens have expired, so they cannot be
        replayed); return how many went."""
        ...


class LimitStore(Protocol):
    """Rate limits counted in the database, so they hold across processes."""

    def hit_limit(self, key: str, *, limit: int, window: timedelta,
                  now: datetime) -> float | None:
        """Count a hit on key unless it already had `limit` hits within `window` before now;
        None when allowed, else the seconds to wait (nothing counted). Keys are the
        caller's ("signin:<address>", "mail:<address>"...); see store/sql/limits.py."""
        ...

    def forget_hits(self, key: str) -> None:
        """Drop the hits counted on key (what they limited did not happen)."""
        ...


class VoteStore(Protocol):
    """One vote per reader per paper: cast, withdrawn, counted, exported, imported."""

    def toggle_vote(self, reader_id: int, paper_id: str) -> bool:
        """Add this reader's vote for a paper, or remove it if present; True when now voted.

        One vote per reader per paper. Raises NotFound when the paper or reader does not exist.
        """
        ...

    def has_voted(self, reader_id: int, paper_ids: Sequence[str]) -> set[str]:
        """The ids among paper_ids that this reader has voted for."""
        ...

    def vote_counts(self, paper_ids: Sequence[str]) -> dict[str, int]:
        """Local votes per paper among paper_ids (papers without votes are left out)."""
        ...

    def vote_times(self, since: datetime,
                   paper_ids: Sequence[str] | None = None) -> dict[str, list[datetime]]:
        """When each vote cast at or after since was cast (UTC), per paper."""
        ...

    def iter_votes(self) -> Iterator[tuple[str, str, datetime]]:
        """Every vote as (reader e-mail, paper id, when cast in UTC), by e-mail then paper."""
        ...

    def add_votes(self, votes: Sequence[tuple[str, str, datetime]]) -> tuple[int, int, int]:
        """Add (reader e-mail, paper id, when) votes in one transaction, creating readers as
        needed: (added, already present, skipped because the paper is unknown)."""
        ...


class SubscriptionStore(Protocol):
    """E-mail subscriptions: opt-in, preferences, status, export and import."""

    def add_subscription(self, email: str, prefs: Preferences, *, status: str,
                         now: datetime) -> tuple[Subscription, bool]:
        """The subscription of email, created with prefs and status unless one exists (then
        returned unchanged); the flag says whether it was created."""
        ...

    def get_subscription(self, subscription_id: int) -> Subscription | None: ...

    def find_subscription(self, email: str) -> Subscription | None:
        """By address, compared as stored (callers normalise it first)."""
        ...

    def forget_pending(self, before: datetime) -> int:
        """Delete subscriptions still waiting for a confirmation asked before `before` (never
        confirmed ones only); how many went."""
        ...

    def count_pending(self) -> int:
        """Subscriptions waiting for their confirmation."""
        ...

    def list_subscriptions(self, *, status: str | None = None, after_id: int = 0,
                           limit: int = 1000) -> list[Subscription]:
        """Subscriptions with id > after_id by id (page on with the last id seen)."""
        ...

    def update_preferences(self, subscription_id: int, prefs: Preferences) -> Subscription:
        """Replace topics, categories and schedule; NotFound when there is no such id."""
        ...

    def set_subscription_status(self, subscription_id: int, status: str, *,
                                now: datetime) -> Subscription:
        """Change status; `active` also records confirmed_at (once) and clears bounces."""
        ...

    def delete_subscription(self, subscription_id: int) -> bool: ...

    def reserve_confirmation(self, subscription_id: int, *, now: datetime,
                             not_since: datetime) -> bool:
        """Set confirm_sent_at to now unless a confirmation went out after not_since; True
        when reserved (atomic: of two racing requests only one may mail)."""
        ...

    def release_confirmation(self, subscription_id: int, *, reserved_at: datetime,
                             previous: datetime | None) -> None:
        """Undo reserve_confirmation (the mail could not be sent) unless reserved again since."""
        ...

    def record_bounce(self, subscription_id: int, *, max_bounces: int) -> Subscription:
        """Count a permanent failure; an active address becomes `bouncing` at max_bounces."""
        ...

    def iter_subscriptions(self) -> Iterator[dict[str, Any]]:
        """Every subscription as JSON-ready values (every column but the internal id; lists
        as lists, times as ISO 8601 text), by e-mail."""
        ...

    def put_subscriptions(self, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
        """Insert or replace subscriptions keyed by e-mail, in the shape iter_subscriptions
        gives, in one transaction: (added, updated). StoreError names a row that is refused."""
        ...


class DigestStore(Protocol):
    """Digest sends: claimed by one worker, committed, failed or skipped, exactly once."""

    def claim_digest(self, subscription_id: int, digest_date: date, *, worker: str,
                     now: datetime, expires: datetime) -> Claim | None:
        """Take (subscription, day) for worker with one conditional insert/update: free, a
        claim expired by now, or a failure whose retry time has come; None otherwise."""
        ...

    def commit_digest(self, claim: Claim, *, message_id: str, paper_ids: Sequence[str],
                      now: datetime) -> bool:
        """Record the claimed digest as sent (called before the last SMTP byte): its
        Message-ID, its papers (never sent again) and last_digest_date. False when the
        claim was lost to another worker (then the message must not go)."""
        ...

    def fail_digest(self, claim: Claim, *, error: str, retry_at: datetime | None,
                    now: datetime) -> bool:
        """Record a failed attempt, undoing a commit (its papers become sendable again);
        retry_at None gives up on this digest. False when the claim was lost."""
        ...

    def skip_digest(self, claim: Claim, *, reason: str, now: datetime) -> bool:
        """Settle the claimed digest without sending (empty, or no longer wanted)."""
        ...

    def settled_digests(self, digest_dates: Sequence[date]) -> set[tuple[int, date]]:
        """(subscription id, day) on those days that are sent, skipped or given up."""
        ...

    def sent_paper_ids(self, subscription_id: int) -> set[str]:
        """Papers already mailed to this subscription."""
        ...

    def count_digest_sends(self, digest_date: date | None = None) -> dict[str, int]:
        """Digest sends by status (claimed, sent, skipped, failed), of one day or all."""
        ...

    def digest_outcomes(self) -> dict[str, int]:
        """Digest sends by outcome: sent, deferred (failed, to be retried), bounced (failed
        for good), skipped, claimed."""
        ...


class TableCopy(Protocol):
    """Whole tables as rows, for moving an instance between backends (migrate-db): each
    backend reads and writes its own way and rebuilds what it derives."""

    def copy_tables(self) -> dict[str, list[str]]:
        """Every table with its columns, as copying sees them (papers have `seq`, their
        insertion order)."""
        ...

    def count_rows(self, table: str) -> int: ...

    def read_rows(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        """The table's rows in batches (vectors as float32 arrays)."""
        ...

    def write_rows(self, table: str, columns: Sequence[str],
                   rows: Sequence[Sequence[Any]]) -> None:
        """Add rows as they are, keys included, in one transaction (papers get their full
        text on the way)."""
        ...

    def finish_copy(self) -> None:
        """Rebuild what is derived and move counters past the copied keys."""
        ...
