"""arXiv's OAI-PMH interface: ListRecords of a set (`cs`, `math`, ...) in the arXiv or
arXivRaw metadata format, paged by resumptionToken; the way to harvest a whole archive.

Parsing is pure (parse_page); harvest() pages through, committing each page and saving the
resumption token after it, so a killed or failed harvest resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import httpx

from paperfeed.config import Settings
from paperfeed.errors import IngestError
from paperfeed.ingest.codeurls import find_code_urls
from paperfeed.ingest.fetch import BrokenDocument, Upstream, UpstreamError
from paperfeed.ingest.names import join_name, split_authors
from paperfeed.ingest.records import (
    arxiv_links,
    clean_text,
    in_categories,
    optional_text,
    parse_datetime,
    parse_rfc2822,
    split_arxiv_id,
)
from paperfeed.ingest.run import Progress, Tally
from paperfeed.ingest.validate import check_paper
from paperfeed.models import Author, IngestReport, Paper, Rejected, Version
from paperfeed.store import Store

SOURCE = "oai_pmh"
FORMATS = ("arXivRaw", "arXiv")
_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_NS = {"arXiv": "{http://arxiv.org/OAI/arXiv/}", "arXivRaw": "{http://arxiv.org/OAI/arXivRaw/}"}
log = logging.getLogger("paperfeed.ingest")


class OaiError(UpstreamError):
    """The repository answered with an OAI-PMH error element (code and message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}")
        self.code = code


@dataclass(frozen=True)
class OaiPage:
    """One ListRecords response: parsed records, the token for the next page (None: done)."""

    records: tuple[Paper | Rejected, ...] = ()
    token: str | None = None
    complete_size: int | None = None
    cursor: int | None = None
    response_date: str | None = None
    deleted: int = 0


def parse_page(body: bytes, where: str, metadata_prefix: str = "arXivRaw") -> OaiPage:
    """A ListRecords response -> OaiPage. BrokenDocument when it is not well-formed (cut
    short); OaiError for an error element, except noRecordsMatch, which is an empty page."""
    try:
        root = ET.fromstring(body)  # noqa: S314 (stdlib parser: no external entities fetched)
    except ET.ParseError as exc:
        raise BrokenDocument(f"not well-formed XML ({exc})") from None
    if root.tag != f"{_OAI}OAI-PMH":
        raise BrokenDocument(f"not an OAI-PMH response (root element {root.tag})")
    response_date = clean_text(root.findtext(f"{_OAI}responseDate")) or None
    error = root.find(f"{_OAI}error")
    if error is not None:
        code = error.get("code", "unknown")
        if code == "noRecordsMatch":
            return OaiPage(response_date=response_date)
        raise OaiError(code, clean_text(error.text) or "(no message)")
    listing = root.find(f"{_OAI}ListRecords")
    if listing is None:
        raise BrokenDocument("no ListRecords element")
    records, deleted = [], 0
    for index, record in enumerate(listing.iter(f"{_OAI}record"), start=1):
        header = record.find(f"{_OAI}header")
        if header is not None and header.get("status") == "deleted":
            deleted += 1
            continue
        records.append(_record(record, metadata_prefix, f"{where} record {index}"))
    page = OaiPage(records=tuple(records), response_date=response_date, deleted=deleted)
    token = listing.find(f"{_OAI}resumptionToken")
    if token is None:
        return page
    return replace(page, token=clean_text(token.text) or None,
                   complete_size=_opt_int(token.get("completeListSize")),
                   cursor=_opt_int(token.get("cursor")))


def _opt_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _record(record: ET.Element, prefix: str, where: str) -> Paper | Rejected:
    try:
        metadata = record.find(f"{_OAI}metadata/{_NS[prefix]}{prefix}")
        if metadata is None:
            raise ValueError(f"no {prefix} metadata in the record")
        return check_paper(parse_raw(metadata) if prefix == "arXivRaw" else
                           parse_arxiv(metadata))
    except ValueError as exc:
        return Rejected(where, str(exc))


def _text(element: ET.Element, ns: str, name: str) -> str | None:
    return optional_text(element.findtext(f"{ns}{name}"))


def _common(element: ET.Element, ns: str) -> dict[str, Any]:
    """Fields both formats share, checked."""
    raw_id = _text(element, ns, "id")
    if not raw_id:
        raise ValueError("missing <id>")
    paper_id, _ = split_arxiv_id(raw_id)
    title, abstract = _text(element, ns, "title"), _text(element, ns, "abstract")
    if not title or not abstract:
        raise ValueError(f"{paper_id}: missing title or abstract")
    categories = tuple((_text(element, ns, "categories") or "").split())
    comments = _text(element, ns, "comments")
    abs_url, pdf_url = arxiv_links(paper_id)
    return {"id": paper_id, "title": title, "abstract": abstract, "categories": categories,
            "primary_category": categories[0] if categories else None,
            "comments": comments, "doi": _text(element, ns, "doi"),
            "journal_ref": _text(element, ns, "journal-ref"),
            "license": _text(element, ns, "license"), "url": abs_url, "pdf_url": pdf_url,
            "code_urls": find_code_urls(abstract, comments), "source": SOURCE}


def parse_arxiv(element: ET.Element) -> Paper:
    """An <arXiv> metadata element: structured authors with affiliations, created/updated
    dates, but no version numbers (the version is taken as 1 unless known otherwise)."""
    ns = _NS["arXiv"]
    fields = _common(element, ns)
    authors = []
    for author in element.iterfind(f"{ns}authors/{ns}author"):
        name = join_name(author.findtext(f"{ns}keyname"), author.findtext(f"{ns}forenames"),
                         author.findtext(f"{ns}suffix"))
        places = [clean_text(a.text) for a in author.iterfind(f"{ns}affiliation")]
        if name:
            authors.append(Author(name, "; ".join(p for p in places if p) or None))
    created = parse_datetime(_text(element, ns, "created"), "created")
    return Paper(**fields, authors=tuple(authors), published=created,
                 updated=parse_datetime(_text(element, ns, "updated"), "updated"),
                 versions=(Version(1, created),))


def parse_raw(element: ET.Element) -> Paper:
    """An <arXivRaw> metadata element: every version with its date, authors as one string."""
    ns = _NS["arXivRaw"]
    fields = _common(element, ns)
    versions = []
    for v in element.iterfind(f"{ns}version"):
        label = v.get("version", "")
        if not label.startswith("v") or not label[1:].isdigit():
            raise ValueError(f"{fields['id']}: bad version {label!r}")
        versions.append(Version(int(label[1:]), parse_rfc2822(v.findtext(f"{ns}date"),
                                                                f"version {label} date")))
    versions.sort(key=lambda v: v.version)
    authors = split_authors(_text(element, ns, "authors"))
    return Paper(**fields, authors=tuple(Author(n) for n in authors),
                 version=versions[-1].version if versions else 1, versions=tuple(versions),
                 published=versions[0].created if versions else None,
                 updated=versions[-1].created if versions else None)


# -- harvesting ------------------------------------------------------------------------


def state_key(metadata_prefix: str, set_spec: str) -> str:
    return f"{SOURCE}:{metadata_prefix}:{set_spec}"


@dataclass
class _Plan:
    """Where a harvest starts: a saved token (resume) or a fresh ListRecords request."""

    params: dict[str, str]
    start_from: str | None
    resumed: bool


def _plan(saved: dict[str, Any], set_spec: str, prefix: str, since: date | None,
          until: date | None) -> _Plan:
    """Resume a saved token when the request is the same (or not given), else start anew."""
    token = saved.get("token")
    asked_from = since.isoformat() if since else None
    if token and (asked_from is None or asked_from == saved.get("from")) and until is None:
        return _Plan({"verb": "ListRecords", "resumptionToken": token}, saved.get("from"),
                     True)
    start_from = asked_from or saved.get("last")
    params = {"verb": "ListRecords", "metadataPrefix": prefix, "set": set_spec}
    if start_from:
        params["from"] = start_from
    if until:
        params["until"] = until.isoformat()
    return _Plan(params, start_from, False)


def harvest(store: Store, settings: Settings, set_spec: str, *,
            metadata_prefix: str = "arXivRaw", since: date | None = None,
            until: date | None = None, categories: Sequence[str] = (), strict: bool = False,
            restart: bool = False, progress: Progress | None = None) -> IngestReport:
    """Harvest a set from `since` (default: the date the last complete harvest reached),
    committing page by page; only papers in `categories` are kept when given. A harvest
    that stopped resumes from its saved resumptionToken (unless restart)."""
    if metadata_prefix not in FORMATS:
        raise IngestError(f"oai: metadata prefix {metadata_prefix!r} is not supported; use "
                          f"one of {', '.join(FORMATS)}")
    key = state_key(metadata_prefix, set_spec)
    saved = {} if restart else json.loads(store.get_state(key) or "{}")
    run = _Harvest(store, settings, key=key, saved=saved, prefix=metadata_prefix,
                   categories=categories, strict=strict, progress=progress)
    plan = _plan(saved, set_spec, metadata_prefix, since, until)
    with Upstream(settings, "arXiv OAI-PMH") as upstream:
        try:
            started = run.pages(upstream, plan)
        except OaiError as exc:
            if not (plan.resumed and exc.code == "badResumptionToken"):
                raise run.tally.abort(_hint(exc, set_spec)) from None
            log.warning("saved resumption token refused; starting again from %s",
                        plan.start_from or "the beginning")
            plan = _plan({"last": saved.get("from")}, set_spec, metadata_prefix, None, until)
            started = run.pages(upstream, plan)
        except UpstreamError as exc:
            raise run.tally.abort(_hint(exc, set_spec)) from None
    last = started if until is None else saved.get("last")
    store.set_state(key, json.dumps({"last": last} if last else {}))
    return run.tally.finish()


def _hint(exc: Exception, set_spec: str) -> str:
    return (f"{exc}. Pages before it were saved, with the resumption point; run "
            f"`paperfeed ingest oai --set {set_spec}` again to resume.")


class _Harvest:
    """One harvest's moving parts: the tally, where to save the resumption point, filters."""

    def __init__(self, store: Store, settings: Settings, *, key: str, saved: dict[str, Any],
                 prefix: str, categories: Sequence[str], strict: bool,
                 progress: Progress | None) -> None:
        self.url, self.key, self.saved = settings.oai_pmh_url, key, saved
        self.prefix, self.categories, self.progress = prefix, categories, progress
        self.tally = Tally(store, SOURCE, strict=strict)
        self.handled = 0

    def pages(self, upstream: Upstream, plan: _Plan) -> str:
        """Fetch, store and checkpoint pages until the list ends; the first response's date
        (where the next incremental harvest starts)."""
        params, started = plan.params, self.saved.get("started")
        while True:
            where = str(httpx.URL(self.url, params=params))
            page = upstream.get(self.url, params, read=self._reader(where))
            started = started or (page.response_date or datetime.now(UTC).isoformat())[:10]
            self._store(page)
            if page.token is None:
                return started
            if page.token == params.get("resumptionToken"):
                raise UpstreamError(f"arXiv OAI-PMH: {where} answered with the token it was "
                                    "given; the list does not advance")
            params = {"verb": "ListRecords", "resumptionToken": page.token}
            self.tally.store.set_state(self.key, json.dumps({
                "token": page.token, "from": plan.start_from, "last": self.saved.get("last"),
                "started": started}))

    def _reader(self, where: str) -> Callable[[httpx.Response], OaiPage]:
        return lambda response: parse_page(response.content, where, self.prefix)

    def _store(self, page: OaiPage) -> None:
        kept = [r for r in page.records
                if isinstance(r, Rejected) or in_categories(r.categories, self.categories)]
        self.tally.add(kept)
        seen = len(page.records) + page.deleted
        self.handled += seen
        if self.progress is not None:
            done = self.handled if page.cursor is None else page.cursor + seen
            self.progress(len(kept), done=done, total=page.complete_size)
