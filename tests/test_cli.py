"""The command line as a user runs it: a real subprocess on a real database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE


def paperfeed(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{db}", **env}
    environ.pop("PAPERFEED_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "paperfeed", *args], capture_output=True,
                          text=True, env=environ, timeout=120, check=False)


def test_init_then_ingest_twice_keeps_one_copy(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert "applied 0001_init" in paperfeed("init", db=db).stdout
    assert "already up to date" in paperfeed("init", db=db).stdout
    first = paperfeed("ingest", "jsonl", str(SAMPLE), db=db)
    assert first.returncode == 0, first.stderr
    assert "│ 119 │       0 │         0 │        0 │" in first.stdout
    second = paperfeed("ingest", "jsonl", str(SAMPLE), db=db)
    assert "│   0 │       0 │       119 │        0 │" in second.stdout


def test_bad_setting_is_one_clear_line(tmp_path: Path) -> None:
    out = paperfeed("init", db=tmp_path / "p.db", PAPERFEED_PORT="http")
    assert out.returncode == 1
    assert out.stderr.strip() == "Error: port: 'http' is not a valid int"


def test_bad_lines_are_listed_and_good_ones_imported(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "T", "abstract": "A"}\nnope\n')
    out = paperfeed("ingest", "jsonl", str(src), db=tmp_path / "p.db")
    assert out.returncode == 0
    assert f"rejected {src}:2: not valid JSON" in out.stderr.replace("\n", "")


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = paperfeed("--help", db=tmp_path / "p.db")
    assert out.returncode == 0
    for command in ("init", "ingest", "serve"):
        assert command in out.stdout
