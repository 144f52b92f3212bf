"""Write parsed records to the store in batches and report new/updated/unchanged/rejected."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast

from paperfeed.errors import IngestError
from paperfeed.models import IngestReport, Paper, Rejected, UpsertResult
from paperfeed.store import Store
from paperfeed.store.records import PaperRow

BATCH_SIZE = 2000
PREFETCH = 2  # batches parsed ahead of the writer (bounds memory)
T = TypeVar("T")


class Progress(Protocol):
    """Told after each batch: records just handled, and optionally how far the work is in
    the source's own units (bytes of a file, results an upstream announced)."""

    def __call__(self, records: int, *, done: int | None = None,
                 total: int | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A point in a record stream: everything before it is committed, then `key` is set to
    `value` in the store's ingest state (when key is given) and progress is told `done`."""

    key: str | None = None
    value: str = ""
    done: int | None = None
    total: int | None = None


Item = Paper | Rejected | Checkpoint


@dataclass(frozen=True, slots=True)
class RowBatch:
    """Rendered papers and rejects read before a checkpoint (None: reading stopped early)."""

    rows: list[PaperRow]
    rejects: list[Rejected]
    checkpoint: Checkpoint | None


class IngestAborted(IngestError):
    """An import stopped part-way; `report` says what was committed before it stopped."""

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


class Tally:
    """Upserts batches and adds up what they did; under strict the first reject stops it."""

    def __init__(self, store: Store, source: str, *, strict: bool = False) -> None:
        self.store, self.source, self.strict = store, source, strict
        self.result = UpsertResult()
        self.rejected: list[Rejected] = []

    def add(self, records: Sequence[Paper | Rejected]) -> UpsertResult:
        """Upsert the papers among records (one transaction) and note the rejects."""
        self._note([r for r in records if isinstance(r, Rejected)])
        papers = [r for r in records if isinstance(r, Paper)]
        done = self.store.upsert_papers(papers) if papers else UpsertResult()
        self.result += done
        return done

    def add_rows(self, rows: Sequence[PaperRow], bad: Sequence[Rejected]) -> UpsertResult:
        """Like add, for rendered rows written in bulk (Store.upsert_rows)."""
        self._note(bad)
        done = self.store.upsert_rows(rows, bulk=True) if rows else UpsertResult()
        self.result += done
        return done

    def _note(self, bad: Sequence[Rejected]) -> None:
        if self.strict and bad:
            raise self.abort(f"{bad[0].where}: {bad[0].reason} (--strict stops at the first "
                             "bad record; the batches before it were imported)")
        self.rejected.extend(bad)

    def report(self) -> IngestReport:
        return IngestReport(source=self.source, result=self.result,
                            rejected=tuple(self.rejected))

    def finish(self) -> IngestReport:
        """The report of a run that ended (whole or not), added to the store's running
        totals that /metrics shows."""
        report = self.report()
        try:
            for what, count in (("runs", 1), ("new", report.result.new),
                                ("updated", report.result.updated),
                                ("rejected", len(report.rejected))):
                key = f"metrics:ingest_{what}"
                self.store.set_state(key, str(int(self.store.get_state(key) or 0) + count))
        except Exception:  # noqa: S110 (totals for monitoring never fail an import)
            pass
        return report

    def abort(self, message: str) -> IngestAborted:
        """The error to raise when the import cannot go on, carrying what was done so far."""
        return IngestAborted(message, self.finish())


def import_records(store: Store, records: Iterable[Item], *, source: str,
                   batch_size: int = BATCH_SIZE, strict: bool = False,
                   progress: Progress | None = None) -> IngestReport:
    """Upsert papers batch by batch (each batch one transaction) and collect rejects.

    Records are read (parsed) in a helper thread while the store writes, PREFETCH batches
    ahead. A crash loses at most the batch in flight; rerunning is safe because upserts are
    idempotent. A Checkpoint ends the batch it falls in, so state saved at it never runs
    ahead of the data. Under strict the first reject stops the import (earlier batches stay).
    """
    tally = Tally(store, source, strict=strict)
    try:
        with Prefetcher(_batches(records, batch_size)) as batches:
            for batch in batches:
                _apply(tally, batch, progress)
    except IngestAborted:
        raise
    except IngestError as exc:  # the source could not be read on: say what got in
        raise tally.abort(str(exc)) from None
    return tally.finish()


def import_rows(store: Store, batches: Iterable[RowBatch], *, source: str,
                strict: bool = False, progress: Progress | None = None) -> IngestReport:
    """Write batches of rendered papers in bulk, each one transaction, saving each batch's
    checkpoint after it; then let the store bring what it deferred (full text) up to date,
    also when the import stops part-way. Rejects and strict as in import_records."""
    tally = Tally(store, source, strict=strict)
    try:
        for batch in batches:
            tally.add_rows(batch.rows, batch.rejects)
            _mark(tally, batch.checkpoint, len(batch.rows) + len(batch.rejects), progress)
    except IngestError as exc:
        store.finish_bulk()
        if isinstance(exc, IngestAborted):
            raise
        raise tally.abort(str(exc)) from None
    store.finish_bulk()
    return tally.finish()


def _apply(tally: Tally, batch: list[Item], progress: Progress | None) -> None:
    records = [r for r in batch if not isinstance(r, Checkpoint)]
    tally.add(records)
    _mark(tally, batch[-1] if isinstance(batch[-1], Checkpoint) else None, len(records),
          progress)


def _mark(tally: Tally, mark: Checkpoint | None, records: int,
          progress: Progress | None) -> None:
    """Save the checkpoint ending a committed batch and tell progress."""
    if mark is not None and mark.key is not None:
        tally.store.set_state(mark.key, mark.value)
    if progress is not None:
        progress(records, done=mark.done if mark else None,
                 total=mark.total if mark else None)


def _batches(records: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """Lists of up to size records; a Checkpoint closes the list it falls in."""
    batch: list[Item] = []
    try:
        for record in records:
            batch.append(record)
            if isinstance(record, Checkpoint) or len(batch) >= size:
                yield batch
                batch = []
    except IngestError:  # the source broke off: what was read before it still goes in
        if batch:
            yield batch
        raise
    if batch:
        yield batch


_DONE = object()


class Prefetcher(Generic[T]):
    """Iterates items produced by a helper thread up to `ahead` in advance; an error there is
    raised here, and leaving the `with` block stops the helper."""

    def __init__(self, items: Iterable[T], ahead: int = PREFETCH) -> None:
        self._items = items
        self._slots: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._helper = threading.Thread(target=self._produce, name="ingest-reader",
                                        daemon=True)

    def __enter__(self) -> Iterator[T]:
        self._helper.start()
        return self._consume()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._helper.join(timeout=5)

    def _consume(self) -> Iterator[T]:
        while (item := self._slots.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    close = getattr(self._items, "close", None)
                    if close is not None:  # a generator: let it close its files now
                        close()
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed over to the consumer, raised there
            self._put(exc)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False


__all__ = ["BATCH_SIZE", "Checkpoint", "IngestAborted", "Prefetcher", "Progress", "RowBatch",
           "Tally", "import_records", "import_rows"]
