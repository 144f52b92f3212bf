"""`paperfeed ingest arxiv|oai|hf-daily|snapshot` as a user runs them: a real subprocess
against a real local upstream server and a real database file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from upstream import FIXTURES, Reply, Request, UpstreamServer, fixture


def paperfeed(server: UpstreamServer, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{db}",
           "PAPERFEED_ARXIV_API_URL": server.url("/api/query"),
           "PAPERFEED_OAI_PMH_URL": server.url("/oai"), "PAPERFEED_HF_API_URL": server.url("/hf"),
           "PAPERFEED_REQUEST_INTERVAL": "0.01", "PAPERFEED_HTTP_RETRIES": "1",
           "PAPERFEED_CONTACT_EMAIL": "feeds@example.org", "COLUMNS": "200"}
    env.pop("PAPERFEED_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "paperfeed", "ingest", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def counts(out: str) -> tuple[int, ...]:
    """(new, updated, unchanged, rejected) from the summary table."""
    found = re.search(r"│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│", out)
    assert found is not None, out
    return tuple(map(int, found.groups()))


def arxiv_pages(request: Request) -> Reply:
    name = "arxiv_api_page1.xml" if request.query["start"] == "0" else "arxiv_api_page2.xml"
    return Reply(body=fixture(name))


def test_arxiv_command_prints_summary_and_rejects(upstream: UpstreamServer,
                                                  tmp_path: Path) -> None:
    upstream.route("/api/query", arxiv_pages)
    out = paperfeed(upstream, tmp_path / "p.db", "arxiv", "--category", "cs.LG", "--since",
                    "2024-01-01", "--page-size", "3")
    assert out.returncode == 0, out.stderr
    assert counts(out.stdout) == (3, 0, 0, 1)
    assert "entry 2: 2401.00999: missing title or abstract" in " ".join(out.stderr.split())
    assert "4 records" in out.stderr  # the progress bar was drawn


def test_failing_upstream_exits_non_zero_with_a_resume_hint(upstream: UpstreamServer,
                                                            tmp_path: Path) -> None:
    upstream.route("/oai", lambda r: Reply(body=fixture("oai_arxivraw_page1.xml"))
                   if "resumptionToken" not in r.query else
                   Reply(503, "down", headers={"Retry-After": "0"}))
    db = tmp_path / "p.db"
    out = paperfeed(upstream, db, "oai", "--set", "cs", "--from", "2024-01-01")
    assert out.returncode == 1
    message = " ".join(out.stderr.split())
    assert "HTTP 503" in message and "again to resume" in message
    assert counts(out.stdout) == (1, 0, 0, 1)  # what was committed before it stopped
    upstream.route("/oai", [Reply(body=fixture("oai_arxivraw_page2.xml"))])
    resumed = paperfeed(upstream, db, "oai", "--set", "cs")
    assert resumed.returncode == 0, resumed.stderr
    assert counts(resumed.stdout) == (1, 0, 0, 0)
    assert upstream.requests[-1].query["resumptionToken"] == "6960524|1001"


def test_hf_daily_command_fetches_the_given_day(upstream: UpstreamServer,
                                                tmp_path: Path) -> None:
    upstream.route("/hf/api/daily_papers", [Reply(body=fixture("hf_daily_papers.json"),
                                                  content_type="application/json")])
    out = paperfeed(upstream, tmp_path / "p.db", "hf-daily", "--date", "2024-01-03")
    assert out.returncode == 0, out.stderr
    assert counts(out.stdout) == (2, 0, 0, 2)
    assert upstream.requests[0].query == {"date": "2024-01-03"}


def test_snapshot_command_strict_stops_at_a_bad_line(upstream: UpstreamServer,
                                                     tmp_path: Path) -> None:
    sample = FIXTURES / "arxiv_snapshot_sample.json"
    lenient = paperfeed(upstream, tmp_path / "a.db", "snapshot", str(sample),
                        "--category-prefix", "cs.")
    assert lenient.returncode == 0, lenient.stderr
    assert counts(lenient.stdout) == (2, 0, 0, 2)
    strict = paperfeed(upstream, tmp_path / "b.db", "snapshot", str(sample), "--strict")
    assert strict.returncode == 1
    assert "arxiv_snapshot_sample.json:4: versions v1 created" in " ".join(strict.stderr.split())
