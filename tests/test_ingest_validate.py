"""What ingest refuses, whatever the source: oversized fields, ids that cannot name a page,
links other than http(s); and JSONL/gzip files broken in any way."""

from __future__ import annotations

import gzip
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.cli import main
from paperfeed.errors import IngestError
from paperfeed.ingest.jsonl import parse_record, read_jsonl
from paperfeed.ingest.run import IngestAborted, import_records
from paperfeed.ingest.validate import check_paper
from paperfeed.models import IngestReport, Paper, Rejected
from paperfeed.safeurl import safe_url
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


# -- broken files -----------------------------------------------------------------------------

def test_a_line_nested_beyond_the_parser_is_rejected_and_the_rest_imported(
        store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, [_paper(id="good-1"), "[" * 100_000, _paper(id="good-2")])
    report = _import(store, path)
    assert report.result.new == 2
    assert [(r.where, r.reason) for r in report.rejected] == [
        (f"{path}:2", "not valid JSON (nested too deeply)")]


def test_a_truncated_gzip_says_where_it_ends_and_keeps_what_came_before(
        store: Store, tmp_path: Path) -> None:
    lines = [(json.dumps(_paper(id=f"p-{n}", abstract=f"Abstract {n} " + "w " * 200)) + "\n")
             .encode() for n in range(300)]
    data = gzip.compress(b"".join(lines))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(IngestAborted, match=r"cut\.jsonl\.gz: gzip stream ends early after "
                                            r"line \d+") as caught:
        _import(store, path)
    kept = caught.value.report.result.new
    assert kept > 0 and store.count_papers() == kept


def test_random_bytes_after_a_gzip_magic_are_a_clear_error(store: Store,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "noise.jsonl"
    path.write_bytes(b"\x1f\x8b" + bytes(random.Random(7).randrange(256) for _ in range(4000)))
    with pytest.raises(IngestAborted, match=r"noise\.jsonl: not a readable gzip stream after "
                                            r"line 0"):
        _import(store, path)


def test_the_cli_says_why_a_gzip_import_stopped(tmp_path: Path) -> None:
    data = gzip.compress(b"".join((json.dumps(_paper(id=f"p-{n}")) + "\n").encode()
                                  for n in range(50)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[:-12])
    env = {"PAPERFEED_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = CliRunner().invoke(main, ["ingest", "jsonl", str(path)], env=env)
    assert result.exit_code == 1
    assert "gzip stream ends early after line" in result.output, result.output
    assert "Traceback" not in result.output and "Aborted!" not in result.output


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_make_papers_or_rejects_never_an_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.jsonl"
        path.write_bytes(data)
        try:
            items = list(read_jsonl(path))
        except IngestError as exc:  # only a broken gzip stream stops the reading
            assert data.startswith(b"\x1f\x8b") and "gzip" in str(exc)
            return
        assert all(isinstance(i, Paper | Rejected) for i in items)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)
FIELDS = st.fixed_dictionaries({}, optional={
    k: JSON | st.text(max_size=30) for k in ("id", "title", "abstract", "authors",
                                               "categories", "published", "code_urls", "url")})


@settings(max_examples=300, deadline=None)
@given(FIELDS)
def test_any_json_object_is_a_checked_paper_or_a_reason(record: dict[str, Any]) -> None:
    try:
        paper = check_paper(parse_record(record))
    except ValueError as exc:
        assert str(exc)
        return
    assert paper.title and paper.abstract
    assert paper.url is None or safe_url(paper.url) == paper.url


@settings(max_examples=200, deadline=None)
@given(FIELDS)
def test_any_json_object_imports_or_is_refused_with_a_line(record: dict[str, Any]) -> None:
    try:
        paper_from_json(record)
    except ValueError as exc:
        assert str(exc)
