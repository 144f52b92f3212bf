"""`paperfeed search` and `paperfeed index` as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE


def paperfeed(*args: str, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{db}", **env}
    environ.pop("PAPERFEED_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "paperfeed", *args], capture_output=True,
                          text=True, env=environ, timeout=300, check=False)


def test_keyword_search_prints_json_best_first(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert paperfeed("ingest", "jsonl", str(SAMPLE), db=db).returncode == 0
    out = paperfeed("search", "model immunization condition number", "--mode", "keyword",
                    "--json", "--limit", "3", db=db)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert len(rows) == 3 and rows[0]["id"] == "seed-001"
    assert {"id", "title", "score"} <= set(rows[0])
    assert rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]


def test_search_table_and_hostile_queries(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    paperfeed("ingest", "jsonl", str(SAMPLE), db=db)
    table = paperfeed("search", "kolmogorov arnold", "--mode", "keyword", db=db)
    assert table.returncode == 0 and "seed-068" in table.stdout
    for query in ['"unbalanced', "NEAR(", "*", "🦜"]:
        result = paperfeed("search", query, "--mode", "keyword", "--json", db=db)
        assert result.returncode == 0, result.stderr
        assert isinstance(json.loads(result.stdout), list)


def test_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    result = paperfeed("index", "--model", "no-such-model", db=db)
    assert result.returncode == 1
    assert "no-such-model" in result.stderr
