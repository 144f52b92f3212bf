"""Importing paperfeed's JSONL format: the sample, bad lines, re-imports, gzip, --strict."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from conftest import SAMPLE
from paperfeed.errors import IngestError
from paperfeed.ingest.codeurls import find_code_urls
from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Paper, Rejected, UpsertResult
from paperfeed.store import Store


def run(store: Store, path: Path, **kw: object) -> object:
    return import_records(store, read_jsonl(path), source="jsonl", **kw)  # type: ignore[arg-type]


def test_sample_imports_once_and_reimport_changes_nothing(store: Store) -> None:
    first = run(store, SAMPLE)
    again = run(store, SAMPLE)
    assert first.result == UpsertResult(new=119)  # type: ignore[attr-defined]
    assert again.result == UpsertResult(unchanged=119)  # type: ignore[attr-defined]
    assert store.count_papers() == 119
    p = store.get_paper("seed-001")
    assert p is not None and p.code_urls[0].startswith("https://github.com/amberyzheng/")


def test_bad_lines_are_reported_with_file_and_line(store: Store, tmp_path: Path) -> None:
    good = {"id": "2401.00001v2", "title": "Good", "abstract": "Fine.", "published": "2024-01-02"}
    lines = [json.dumps(good), "{not json", json.dumps({"id": "x", "title": "No abstract"}),
             "", json.dumps({"id": "y", "title": "T", "abstract": "A", "published": "yesterday"}),
             json.dumps([1, 2]), json.dumps({"id": "z", "title": "T", "abstract": "A",
                                             "authors": "Ada"})]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = run(store, path)
    rejected = {r.where: r.reason for r in report.rejected}  # type: ignore[attr-defined]
    assert rejected == {
        f"{path}:2": "not valid JSON (Expecting property name enclosed in double quotes at "
                     "column 2)",
        f"{path}:3": "missing or empty 'abstract'",
        f"{path}:5": "published: 'yesterday' is not an ISO 8601 date (YYYY-MM-DD)",
        f"{path}:6": "a line must hold a JSON object",
        f"{path}:7": "'authors' must be a list of strings",
    }
    stored = store.get_paper("2401.00001")  # version stripped from the key, kept as version
    assert stored is not None and stored.version == 2
    assert stored.url == "https://arxiv.org/abs/2401.00001"


def test_gzip_is_read_by_content(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "papers.data"
    with gzip.open(path, "wt") as f:
        f.write(json.dumps({"id": "g1", "title": "Zipped", "abstract": "Inside gzip."}) + "\n")
    assert run(store, path).result.new == 1  # type: ignore[attr-defined]


def test_strict_stops_at_first_reject_keeping_earlier_batches(store: Store,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    rows = [json.dumps({"id": f"p{i}", "title": "T", "abstract": "A"}) for i in range(5)]
    path.write_text("\n".join([*rows, "oops", *rows]) + "\n")
    with pytest.raises(IngestError, match=r"s\.jsonl:6: not valid JSON"):
        run(store, path, strict=True, batch_size=5)
    assert store.count_papers() == 5


def test_every_record_is_either_a_paper_or_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'{"id": "a", "title": "T", "abstract": "A"}\n\xff\xfe\n')
    out = list(read_jsonl(path))
    assert isinstance(out[0], Paper)
    assert out[1] == Rejected(f"{path}:2", "not valid UTF-8")


@pytest.mark.parametrize(("text", "expected"), [
    ("Code: https://github.com/org/repo.", ["https://github.com/org/repo"]),
    ("(see https://github.com/Org/Repo/tree/main)", ["https://github.com/Org/Repo/tree/main"]),
    ("at github.com/a/b; and https://GitHub.com/a/b/", ["https://github.com/a/b"]),
    ("page https://ada.github.io/proj/, data https://example.com/x",
     ["https://ada.github.io/proj"]),
    ("weights: https://huggingface.co/org/model}", ["https://huggingface.co/org/model"]),
    ("just https://github.com and mail@github.com/x", []),
])
def test_code_links_are_found_and_normalised(text: str, expected: list[str]) -> None:
    assert list(find_code_urls(text)) == expected
