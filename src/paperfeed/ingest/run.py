"""Write parsed records to the store in batches and report new/updated/unchanged/rejected."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

from paperfeed.errors import IngestError
from paperfeed.models import IngestReport, Paper, Rejected, UpsertResult
from paperfeed.store import Store

Progress = Callable[[int], None]  # called with how many records were just handled
BATCH_SIZE = 2000


def import_records(store: Store, records: Iterable[Paper | Rejected], *, source: str,
                   batch_size: int = BATCH_SIZE, strict: bool = False,
                   progress: Progress | None = None) -> IngestReport:
    """Upsert papers batch by batch (each batch one transaction) and collect rejects.

    A crash loses at most the batch in flight; rerunning is safe because upserts are
    idempotent. Under strict, the first reject stops the import (earlier batches stay).
    """
    result, rejected = UpsertResult(), []
    stream = iter(records)
    while batch := list(islice(stream, batch_size)):
        papers = [r for r in batch if isinstance(r, Paper)]
        bad = [r for r in batch if isinstance(r, Rejected)]
        if strict and bad:
            raise IngestError(f"{bad[0].where}: {bad[0].reason} (--strict stops at the first "
                              "bad record; the batches before it were imported)")
        rejected.extend(bad)
        if papers:
            result += store.upsert_papers(papers)
        if progress is not None:
            progress(len(batch))
    return IngestReport(source=source, result=result, rejected=tuple(rejected))
