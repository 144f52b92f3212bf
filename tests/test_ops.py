"""What monitoring asks of a running instance: /healthz, /readyz, /metrics."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from paperfeed.config import load_settings
from paperfeed.index.keyword_index import update_keyword_index
from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.logs import setup_logging
from paperfeed.store import Store


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") :
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in {text[:2000]}")


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["database"] == "ok"
    assert body["migrations"] == "current" and body["vectors"]


def test_readyz_is_503_while_a_migration_is_pending(client: TestClient, store: Store) -> None:
    applied = store.pending_migrations()
    assert applied == []
    with store.writing_one() as conn:  # type: ignore[attr-defined]
        store.run(conn, "DELETE FROM schema_migrations WHERE version = ("  # type: ignore[attr-defined]
                  "SELECT max(version) FROM schema_migrations)")
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["migrations"].startswith("pending: ")


def test_metrics_count_requests_by_route_and_read_the_store(client: TestClient,
                                                            store: Store) -> None:
    report = import_records(store, read_jsonl(SAMPLE), source="jsonl")
    assert report.result.new == 119
    for _ in range(3):
        client.get("/papers/seed-001")
    client.get("/papers/no-such-paper")
    text = client.get("/metrics").text
    assert _value(text, "paperfeed_papers") == 119
    assert _value(text, "paperfeed_embeddings_pending") == 119
    assert _value(text, 'paperfeed_ingest{what="runs"}') == 1
    assert _value(text, 'paperfeed_ingest{what="new"}') == 119
    assert _value(text, 'paperfeed_digests{outcome="sent"}') == 0
    route = 'route="/papers/{paper_id:path}"'
    assert _value(text, f'paperfeed_http_requests_total{{method="GET",{route},status="200"}}') \
        == 3
    assert _value(text, f'paperfeed_http_requests_total{{method="GET",{route},status="404"}}') \
        == 1
    assert f'paperfeed_http_request_duration_seconds_count{{method="GET",{route}}}' in text
    assert "seed-001" not in text  # paths are never labels
    assert "paperfeed_keyword_index_behind" not in text  # a small archive has no index


def test_metrics_say_how_far_the_keyword_index_is_behind(client: TestClient,
                                                          store: Store) -> None:
    import_records(store, read_jsonl(SAMPLE), source="jsonl")
    update_keyword_index(store, threshold=0)
    assert _value(client.get("/metrics").text, "paperfeed_keyword_index_behind") == 0
    paper = store.get_paper("seed-001")
    assert paper is not None
    time.sleep(1.1)  # modified_at counts seconds: a change must be later than the mark's
    store.upsert_papers([replace(paper, title="A retitled paper")])
    assert _value(client.get("/metrics").text, "paperfeed_keyword_index_behind") == 1


WORKER = """
import json, sys
import pytest
from fastapi.testclient import TestClient
from paperfeed.config import load_settings
from paperfeed.index.keyword_index import update_keyword_index
from paperfeed.store import open_store
from paperfeed.web.app import create_app
settings = load_settings(environ={}, database_url=sys.argv[1])
with TestClient(create_app(settings, open_store(settings.database_url))) as client:
    for _ in range(int(sys.argv[2])):
        client.get("/healthz")
    print(json.dumps(client.get("/metrics").text))
"""


def test_metrics_add_up_every_worker_process(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (serve --workers N sets it) each process's requests are
    counted once in every process's /metrics."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    url = f"sqlite:///{tmp_path / 'm.db'}"
    outputs = [json.loads(subprocess.run(
        [sys.executable, "-c", WORKER, url, str(n)], env=env, capture_output=True, text=True,
        check=True).stdout) for n in (2, 3)]
    name = 'paperfeed_http_requests_total{method="GET",route="/healthz",status="200"}'
    assert _value(outputs[1], name) == 5


def test_json_logs_are_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(load_settings(environ={}, log_format="json"))
        log = logging.getLogger("paperfeed.test")
        log.info("hello %s", "there", extra={"paper": "seed-001"})
        try:
            raise ValueError("boom\nwith a second line")
        except ValueError:
            log.exception("failed")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    lines = capsys.readouterr().err.strip().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "hello there" and first["level"] == "INFO"
    assert first["logger"] == "paperfeed.test" and first["paper"] == "seed-001"
    assert first["time"].endswith("Z")
    assert second["message"] == "failed" and "ValueError: boom" in second["exception"]
