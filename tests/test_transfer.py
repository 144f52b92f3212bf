"""Export and import of papers, votes and subscriptions: a lossless round trip, twice-safe."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperfeed.errors import IngestError, PaperfeedError
from paperfeed.ingest.jsonl import parse_record
from paperfeed.models import Author, Paper, Version
from paperfeed.store import Store
from paperfeed.transfer import export, import_file, paper_from_json, paper_to_json

FULL = Paper(
    id="2401.01234", version=3, title="A <b>bold</b> title with $x^2$ and “quotes”",
    abstract="Line one.\nLine two with emoji 🧪 and https://github.com/a/b",
    authors=(Author("Ada Lovelace", "Analytical Engines Ltd"), Author("Alan Turing")),
    categories=("cs.LG", "stat.ML"), primary_category="cs.LG",
    published=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    updated=datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC), announced=date(2024, 1, 3),
    versions=(Version(1, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)), Version(2, None),
              Version(3, datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC))),
    doi="10.1000/xyz", journal_ref="J. Tests 1 (2024)", comments="12 pages", license="CC-BY",
    url="https://arxiv.org/abs/2401.01234", pdf_url="https://arxiv.org/pdf/2401.01234",
    code_urls=("https://github.com/a/b",), source="arxiv", upstream_upvotes=42,
    github_repo="https://github.com/a/b", github_stars=7, ai_keywords=("kw one", "kw two"),
)
MINIMAL = Paper(id="seed-001", title="Minimal", abstract="Nothing else.")
OLD_STYLE = Paper(id="hep-th/9901001", title="Old", abstract="Old style id.",
                  published=datetime(1999, 1, 1, tzinfo=UTC))
PAPERS = [FULL, MINIMAL, OLD_STYLE]


def dump(store: Store, what: str) -> str:
    out = io.StringIO()
    export(store, what, out)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_paper_json_is_an_exact_inverse() -> None:
    for paper in PAPERS:
        assert paper_from_json(json.loads(json.dumps(paper_to_json(paper)))) == paper


def test_exported_paper_is_also_a_valid_ingest_record() -> None:
    parsed = parse_record(paper_to_json(FULL))
    assert (parsed.id, parsed.title, parsed.author_names) == (FULL.id, FULL.title,
                                                              FULL.author_names)


def test_papers_round_trip_without_loss(store: Store, sqlite_store: Store,
                                        tmp_path: Path) -> None:
    store.upsert_papers(PAPERS)
    text = dump(store, "papers")
    assert len(text.splitlines()) == 3
    report = import_file(sqlite_store, "papers", write(tmp_path, "p.jsonl", text))
    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    for paper in PAPERS:
        assert sqlite_store.get_paper(paper.id) == paper
    assert dump(sqlite_store, "papers") == text


def test_importing_the_same_papers_twice_changes_nothing(sqlite_store: Store,
                                                         tmp_path: Path) -> None:
    path = write(tmp_path, "p.jsonl", "".join(json.dumps(paper_to_json(p)) + "\n"
                                              for p in PAPERS))
    import_file(sqlite_store, "papers", path)
    again = import_file(sqlite_store, "papers", path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_votes_round_trip_with_their_readers_and_times(store: Store, sqlite_store: Store,
                                                       tmp_path: Path) -> None:
    store.upsert_papers(PAPERS)
    for email, paper in [("a@x.org", FULL), ("a@x.org", MINIMAL), ("b@y.org", FULL)]:
        store.toggle_vote(store.get_or_create_reader(email), paper.id)
    votes = dump(store, "votes")
    lines = [json.loads(line) for line in votes.splitlines()]
    assert [(v["reader"], v["paper_id"]) for v in lines] == [
        ("a@x.org", FULL.id), ("a@x.org", MINIMAL.id), ("b@y.org", FULL.id)]
    import_file(sqlite_store, "papers", write(tmp_path, "p.jsonl", dump(store, "papers")))
    path = write(tmp_path, "v.jsonl", votes)
    report = import_file(sqlite_store, "votes", path)
    assert (report.added, report.unchanged, report.skipped) == (3, 0, 0)
    assert dump(sqlite_store, "votes") == votes
    assert sqlite_store.vote_counts([FULL.id, MINIMAL.id]) == {FULL.id: 2, MINIMAL.id: 1}
    again = import_file(sqlite_store, "votes", path)
    assert (again.added, again.unchanged) == (0, 3)


def test_votes_for_unknown_papers_are_skipped_and_explained(sqlite_store: Store,
                                                            tmp_path: Path) -> None:
    line = {"reader": "a@x.org", "paper_id": "nope", "created_at": "2024-01-01T00:00:00+00:00"}
    report = import_file(sqlite_store, "votes", write(tmp_path, "v.jsonl", json.dumps(line)))
    assert (report.added, report.skipped) == (0, 1)
    assert "import papers first" in report.note


SUBSCRIPTIONS = [
    {"email": "a@x.org", "topics": ["state space models", "protein design -diffusion"],
     "categories": ["cs.LG", "q-bio.BM"], "frequency": "weekly", "weekday": 2, "send_hour": 9,
     "timezone": "Europe/Paris", "status": "active", "bounces": 1,
     "created_at": "2024-01-01T00:00:00+00:00", "confirmed_at": "2024-01-01T00:10:00+00:00",
     "confirm_sent_at": "2024-01-01T00:00:01+00:00", "last_digest_date": "2024-02-01"},
    {"email": "b@y.org", "topics": [], "categories": [], "frequency": "daily", "weekday": 0,
     "send_hour": 7, "timezone": "UTC", "status": "pending", "bounces": 0,
     "created_at": "2024-03-01T00:00:00+00:00", "confirmed_at": None,
     "confirm_sent_at": None, "last_digest_date": None},
]


def test_subscriptions_round_trip_without_loss(store: Store, sqlite_store: Store,
                                               tmp_path: Path) -> None:
    text = "".join(json.dumps(s) + "\n" for s in SUBSCRIPTIONS)
    report = import_file(store, "subscriptions", write(tmp_path, "s.jsonl", text))
    assert (report.added, report.updated) == (2, 0)
    exported = dump(store, "subscriptions")
    assert [json.loads(line) for line in exported.splitlines()] == SUBSCRIPTIONS
    import_file(sqlite_store, "subscriptions", write(tmp_path, "s2.jsonl", exported))
    assert dump(sqlite_store, "subscriptions") == exported
    again = import_file(sqlite_store, "subscriptions", write(tmp_path, "s2.jsonl", exported))
    assert (again.added, again.updated) == (0, 2)


def test_a_refused_subscription_is_named(sqlite_store: Store, tmp_path: Path) -> None:
    bad = {**SUBSCRIPTIONS[1], "frequency": "hourly"}
    with pytest.raises(PaperfeedError, match=r"b@y\.org"):
        import_file(sqlite_store, "subscriptions", write(tmp_path, "s.jsonl", json.dumps(bad)))
    unknown = {**SUBSCRIPTIONS[1], "colour": "blue"}
    with pytest.raises(PaperfeedError, match="colour"):
        import_file(sqlite_store, "subscriptions",
                    write(tmp_path, "s.jsonl", json.dumps(unknown)))


def test_a_bad_line_stops_the_import_with_its_position(sqlite_store: Store,
                                                       tmp_path: Path) -> None:
    good = json.dumps(paper_to_json(MINIMAL))
    bad = json.dumps({**paper_to_json(MINIMAL), "id": "x", "published": "yesterday"})
    path = write(tmp_path, "p.jsonl", f"{good}\n{bad}\n")
    with pytest.raises(IngestError, match=r"p\.jsonl:2: 'published'"):
        import_file(sqlite_store, "papers", path)
    with pytest.raises(IngestError, match=r":1: not valid JSON"):
        import_file(sqlite_store, "votes", write(tmp_path, "v.jsonl", "{nope\n"))


def test_unknown_kind_or_format_is_refused(sqlite_store: Store) -> None:
    with pytest.raises(PaperfeedError, match="papers, votes, subscriptions"):
        export(sqlite_store, "readers", io.StringIO())
    with pytest.raises(PaperfeedError, match="jsonl"):
        export(sqlite_store, "papers", io.StringIO(), fmt="csv")


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{db}"}
    environ.pop("PAPERFEED_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "paperfeed", *args], capture_output=True,
                          text=True, env=environ, timeout=120, check=False)


def test_cli_moves_an_instance_through_a_gzipped_file(tmp_path: Path,
                                                      sqlite_store: Store) -> None:
    sqlite_store.upsert_papers(PAPERS)
    sqlite_store.toggle_vote(sqlite_store.get_or_create_reader("a@x.org"), FULL.id)
    source = Path(str(sqlite_store.url).removeprefix("sqlite:///"))
    target = tmp_path / "moved.db"
    for what in ("papers", "votes"):
        out = run("export", "--what", what, "--format", "jsonl", "-o",
                  str(tmp_path / f"{what}.jsonl.gz"), db=source)
        assert out.returncode == 0, out.stderr
        done = run("import", "--what", what, str(tmp_path / f"{what}.jsonl.gz"), db=target)
        assert done.returncode == 0, done.stderr
    assert "papers: 3 added" in run("import", "--what", "papers",
                                    str(tmp_path / "papers.jsonl.gz"), db=tmp_path / "o.db").stdout
    again = run("import", "--what", "votes", str(tmp_path / "votes.jsonl.gz"), db=target)
    assert "votes: 0 added, 0 updated, 1 unchanged, 0 skipped" in again.stdout
    to_stdout = run("export", "--what", "papers", db=target)
    assert [json.loads(line)["id"] for line in to_stdout.stdout.splitlines()] == sorted(
        p.id for p in PAPERS)


def test_cli_names_the_allowed_kinds(tmp_path: Path) -> None:
    out = run("export", "--what", "everything", db=tmp_path / "p.db")
    assert out.returncode == 2
    assert "'papers', 'votes', 'subscriptions'" in out.stderr
