"""What ingest refuses, whatever the source: oversized fields, ids that cannot name a page,
links other than http(s); and JSONL/gzip files broken in any way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.ingest.validate import check_paper
from paperfeed.models import IngestReport, Paper, Rejected
from paperfeed.store import Store
from paperfeed.transfer import paper_from_json


def _write(tmp_path: Path, records: list[Any]) -> Path:
    path = tmp_path / "papers.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                            for r in records))
    return path


def _import(store: Store, path: Path) -> IngestReport:
    return import_records(store, read_jsonl(path), source="jsonl")


def _paper(**fields: Any) -> dict[str, Any]:
    return {"id": "seed-1", "title": "A title", "abstract": "An abstract."} | fields


@pytest.mark.parametrize(("fields", "reason"), [
    ({"url": "javascript:alert(1)"}, "'url': only http and https links"),
    ({"url": "data:text/html,<b>x</b>"}, "'url': only http and https links"),
    ({"url": "//evil.example/x"}, "'url': only http and https links"),
    ({"id": "../../etc/passwd"}, "'id' may hold a slash only as an old-style arXiv id"),
    ({"id": "a/b"}, "'id' may hold a slash only as an old-style arXiv id"),
    ({"id": ".."}, "'id' must not be '.' or '..'"),
    ({"id": "a b"}, "'id' must not hold spaces or control characters"),
    ({"id": 2401}, "'id' must be a string, not int"),
    ({"id": "x" * 101}, "'id': at most 100 characters"),
    ({"abstract": "word " * 10_000}, "'abstract': 49,999 characters; at most 20,000"),
    ({"title": "t" * 1001}, "'title': 1,001 characters; at most 1,000"),
    ({"authors": ["A"] * 5001}, "'authors': 5,001 items; at most 5,000"),
])
def test_bad_fields_are_rejected_with_a_reason(tmp_path: Path, fields: dict[str, Any],
                                               reason: str) -> None:
    path = _write(tmp_path, [_paper(**fields)])
    (item,) = list(read_jsonl(path))
    assert isinstance(item, Rejected), item
    assert item.where == f"{path}:1" and item.reason.startswith(reason), item.reason


@pytest.mark.parametrize("paper_id", ["hep-th/9901001", "math.AG/0601001", "2401.01234",
                                      "seed-001", "doi:10.1000_182"])
def test_good_ids_pass(paper_id: str) -> None:
    assert check_paper(Paper(id=paper_id, title="T", abstract="A")).id == paper_id


def test_rejected_lines_leave_the_rest_imported(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, [_paper(id="good-1"), _paper(id="bad", url="javascript:x"),
                             _paper(id="good-2", url="https://example.org/p")])
    report = _import(store, path)
    assert report.result.new == 2 and [r.where for r in report.rejected] == [f"{path}:2"]
    paper = store.get_paper("good-2")
    assert paper is not None and paper.url == "https://example.org/p"


def test_code_links_other_than_http_never_get_in(tmp_path: Path) -> None:
    path = _write(tmp_path, [_paper(code_urls=["javascript:alert(1)", "https://github.com/a/b",
                                               "javascript://github.com/x/y"])])
    (item,) = list(read_jsonl(path))
    assert isinstance(item, Paper) and item.code_urls == ("https://github.com/a/b",)


def test_an_import_file_is_checked_like_ingest() -> None:
    with pytest.raises(ValueError, match="'url': only http and https links"):
        paper_from_json(_paper(url="javascript:alert(1)"))
    with pytest.raises(ValueError, match="'code_urls': only http and https links"):
        paper_from_json(_paper(code_urls=["vbscript:msgbox"]))
