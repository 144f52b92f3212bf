"""The arXiv metadata snapshot: field mapping, bad lines, gzip, category prefix, resuming,
and a kill -9 in the middle of a real CLI import."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperfeed.ingest.run import IngestAborted
from paperfeed.ingest.snapshot import import_snapshot, read_snapshot
from paperfeed.models import Author, Paper, Rejected, UpsertResult
from paperfeed.store import Store
from paperfeed.store.sqlite.papers import catch_up
from upstream import FIXTURES

SAMPLE = FIXTURES / "arxiv_snapshot_sample.json"


def record(n: int, *, category: str = "cs.LG", versions: int = 1) -> dict[str, object]:
    """A snapshot line for paper number n, with a word no other paper has (zq<n>x)."""
    return {
        "id": f"2401.{n:05d}", "submitter": "A. Writer", "authors": "A. Writer, B. Reader",
        "title": f"Paper number {n}", "comments": None, "journal-ref": None, "doi": None,
        "report-no": None, "categories": f"{category} stat.ML", "license": None,
        "abstract": f"We study the word zq{n}x and nothing else.",
        "versions": [{"version": f"v{v}", "created": f"Mon, {v} Jan 2024 10:00:00 GMT"}
                     for v in range(1, versions + 1)],
        "update_date": "2024-01-05",
        "authors_parsed": [["Writer", "A.", ""], ["Reader", "B.", ""]],
    }


def write_snapshot(path: Path, count: int, *, bad_every: int = 0) -> int:
    """count good lines (every bad_every-th followed by a broken one); the good count."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps(record(n, category="math.CO" if n % 3 == 0 else "cs.LG"))
                      + "\n")
            if bad_every and n % bad_every == bad_every - 1:  # a broken line, or a blank one
                out.write('{"id": "broken", "title": \n' if n // bad_every % 2 else "\n")
    return count


def test_sample_lines_map_to_papers() -> None:
    items = [i for i in read_snapshot(SAMPLE) if isinstance(i, Paper | Rejected)]
    first = items[0]
    assert isinstance(first, Paper)
    assert (first.id, first.version, first.source) == ("0704.0001", 2, "snapshot")
    assert first.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert first.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert [v.version for v in first.versions] == [1, 2]
    assert first.author_names == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert (first.doi, first.journal_ref) == ("10.1103/PhysRevD.76.013009",
                                              "Phys.Rev.D76:013009,2007")
    second = items[1]
    assert isinstance(second, Paper)
    assert second.authors[2] == Author("Kurt Gödel Jr")
    assert second.categories == ("cs.PL", "cs.LG")
    assert second.license == "http://creativecommons.org/licenses/by/4.0/"
    assert second.code_urls == ("https://hopper.github.io/flowmatic",
                                "https://github.com/hopper/compilers")
    assert items[2].id == "math/0406594"  # type: ignore[union-attr]
    assert items[3:] == [
        Rejected(f"{SAMPLE}:4", "versions v1 created: 'sometime in January' is not an RFC "
                                "2822 date"),
        Rejected(f"{SAMPLE}:5", "not valid JSON (Invalid control character at column 83)"),
    ]


def test_generated_file_with_bad_lines_imports_the_rest(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "snap.json.gz"
    good = write_snapshot(path, 500, bad_every=50)
    report = import_snapshot(store, path, batch_size=128)
    assert report.result == UpsertResult(new=good)
    assert len(report.rejected) == 5
    assert report.rejected[0].where == f"{path}:102"  # lines 51 and 152... are blank
    assert store.count_papers() == good
    again = import_snapshot(store, path, batch_size=128)
    assert again.result == UpsertResult(unchanged=good)  # a finished file starts over


def test_category_prefix_keeps_matching_papers(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    write_snapshot(path, 30)
    report = import_snapshot(store, path, category_prefix="cs.")
    assert report.result == UpsertResult(new=20)
    assert store.get_paper("2401.00000") is None  # math.CO only


def test_newer_version_updates_and_keeps_history(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(record(7)) + "\n")
    import_snapshot(store, path)
    path.write_text(json.dumps(record(7, versions=3) | {"title": "Paper seven, revised"}) + "\n")
    assert import_snapshot(store, path).result == UpsertResult(updated=1)
    paper = store.get_paper("2401.00007")
    assert paper is not None and (paper.version, paper.title) == (3, "Paper seven, revised")
    assert [v.version for v in paper.versions] == [1, 2, 3]


def test_stopped_import_resumes_after_its_last_batch(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    rows = [json.dumps(record(n)) for n in range(100)]
    path.write_text("\n".join([*rows[:60], "oops", *rows[60:]]) + "\n")
    with pytest.raises(IngestAborted, match=r"snap\.json:61: not valid JSON"):
        import_snapshot(store, path, batch_size=25, strict=True)
    assert store.count_papers() == 50  # two batches of 25 committed
    resumed = import_snapshot(store, path, batch_size=25)
    assert resumed.result == UpsertResult(new=50)  # started after line 50, not at line 1
    assert [r.where for r in resumed.rejected] == [f"{path}:61"]
    assert store.count_papers() == 100


def test_cut_off_gzip_file_reports_where_reading_stopped(store: Store, tmp_path: Path) -> None:
    whole = tmp_path / "whole.json.gz"
    write_snapshot(whole, 3000)
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(IngestAborted, match=r"cut\.json\.gz: cannot be read after line \d+ "
                                            r"\(Compressed file ended") as caught:
        import_snapshot(store, cut, batch_size=500)
    assert caught.value.report.result.new == store.count_papers() > 0


def _count(db: Path, sql: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _stored(db: Path) -> int:
    """Papers committed so far (0 while the database is still being created)."""
    try:
        return _count(db, "SELECT count(*) FROM papers") if db.exists() else 0
    except sqlite3.OperationalError:
        return 0


def _check_consistent(db: Path) -> bool:
    """The file is sound and its full-text index holds exactly the papers up to the bulk
    backlog, all of them when there is none (checked on a copy caught up the way the next
    write does it); whether a backlog was left."""
    copy = sqlite3.connect(":memory:")
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.backup(copy)
    with closing(copy):
        waiting = copy.execute("SELECT count(*) FROM papers_fts_backlog").fetchone()[0] > 0
        copy.execute("BEGIN")
        catch_up(copy)
        copy.execute("COMMIT")
        copy.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
    return bool(waiting)


def _parsers_of(path: Path) -> list[int]:
    """Pids of parser processes still reading path."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"paperfeed.ingest.parse_process" in argv and any(str(path).encode() in a
                                                             for a in argv):
            found.append(int(proc.name))
    return found


def _cli(db: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{db}"}
    env.pop("PAPERFEED_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "paperfeed", "ingest", "snapshot", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_kill_9_mid_import_leaves_a_consistent_database(tmp_path: Path) -> None:
    path, db = tmp_path / "snapshot.json", tmp_path / "p.db"
    good = write_snapshot(path, 60_000, bad_every=1000)
    process = _cli(db, str(path), "--batch-size", "2000")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)  # wait until some batches are in, then kill mid-import
        if _stored(db) >= 6000:
            break
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = _count(db, "SELECT count(*) FROM papers")
    assert 0 < before < good
    assert _check_consistent(db)  # killed with papers waiting for the full-text index
    deadline = time.monotonic() + 30  # the parser child ends by itself (broken pipe)
    while _parsers_of(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _parsers_of(path) == []
    rerun = _cli(db, str(path), "--batch-size", "2000")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert _count(db, "SELECT count(*) FROM papers") == good
    assert _count(db, "SELECT count(DISTINCT id) FROM papers") == good
    assert not _check_consistent(db)  # no backlog left: every paper is indexed
    assert _count(db, "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'zq59999x'") == 1
    counts = re.search(r"│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│", out)
    assert counts is not None, out
    new, updated, unchanged, _ = map(int, counts.groups())
    assert before + new == good  # the rerun added exactly what was missing...
    assert updated == 0 and unchanged <= 2000  # ...re-reading at most the batch in flight
