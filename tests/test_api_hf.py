"""The real `huggingface_hub` client against this instance served by uvicorn on 127.0.0.1.

No token, HF_HUB_OFFLINE=0, and a guard that fails any connection leaving the loopback.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api_papers import BY_ID, HOSTILE_TITLE, seed
from paperfeed.config import Settings
from paperfeed.store import Store
from paperfeed.web.app import create_app


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else str(address)
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to an address outside 127.0.0.0/8 or ::1 fails the test."""
    connect, create = socket.socket.connect, socket.create_connection

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        assert self.family == socket.AF_UNIX or _loopback(address), f"left loopback: {address}"
        return connect(self, address)

    def guarded_create(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        assert _loopback(address), f"left loopback: {address}"
        return create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)


@pytest.fixture
def live_url(settings: Settings, store: Store) -> Iterator[str]:
    """The real app served by uvicorn in a thread, on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def hf(live_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
       no_internet: None) -> Any:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT", "HTTP_PROXY",
                 "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # no saved token to find
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    from huggingface_hub import HfApi

    return HfApi(endpoint=live_url, token=False)


@pytest.fixture
def seeded(store: Store) -> None:
    seed(store, votes={"2401.00001": 2, "2401.00003": 1})


def check_filled(info: Any) -> None:
    paper = BY_ID[info.id]
    assert info.title == paper.title and info.summary == paper.abstract
    assert [a.name for a in info.authors] == list(paper.author_names)
    assert isinstance(info.published_at, datetime) and info.published_at.tzinfo == UTC
    assert isinstance(info.upvotes, int)


@pytest.mark.usefixtures("seeded")
def test_list_daily_papers_of_a_day_week_and_month(hf: Any) -> None:
    newest = list(hf.list_daily_papers())
    assert [p.id for p in newest] == ["2401.00003"]
    day = list(hf.list_daily_papers(date="2024-01-02", sort="publishedAt"))
    assert sorted(p.id for p in day) == ["2401.00001", "2401.00002"]
    week = list(hf.list_daily_papers(week="2024-W01", sort="trending"))
    assert week[0].id == "2401.00001"
    month = list(hf.list_daily_papers(month="2024-01", limit=2, p=1))
    assert len(month) == 1
    for info in day + week:
        check_filled(info)
    first = next(p for p in week if p.id == "2401.00001")
    assert first.upvotes == 2 + 5  # local votes plus the Hugging Face upvotes it came with
    assert first.published_at == datetime(2024, 1, 1, 18, 0, tzinfo=UTC)
    assert first.submitted_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert first.submitted_by is not None and first.submitted_by.username == "arxiv"
    assert first.github_repo == "https://github.com/org/sparse"


@pytest.mark.usefixtures("seeded")
def test_submitter_selects_papers_by_the_source_that_brought_them(hf: Any) -> None:
    papers = list(hf.list_daily_papers(week="2024-W01", submitter="hf_daily"))
    assert [p.id for p in papers] == ["2401.00002"]
    assert papers[0].upvotes == 0


@pytest.mark.usefixtures("seeded")
def test_list_papers_searches(hf: Any) -> None:
    found = list(hf.list_papers(query="protein design diffusion"))
    assert found[0].id == "2401.00002"
    check_filled(found[0])
    assert len(list(hf.list_papers(query="models", limit=1))) == 1


@pytest.mark.usefixtures("seeded")
def test_paper_info_and_read_paper(hf: Any) -> None:
    info = hf.paper_info("2401.00001")
    check_filled(info)
    assert info.upvotes == 7 and info.ai_keywords == ["attention"]
    text = hf.read_paper("2401.00001")
    assert text.startswith("# Sparse attention for long documents\n")
    assert "Ada Lovelace, Alan Turing" in text and "## Abstract" in text
    assert "(<https://arxiv.org/abs/2401.00001>)" in text


@pytest.mark.usefixtures("seeded")
def test_unknown_papers_raise_the_clients_not_found_error(hf: Any) -> None:
    from huggingface_hub.errors import HfHubHTTPError

    for call in (hf.paper_info, hf.read_paper):
        with pytest.raises(HfHubHTTPError) as caught:
            call("9999.99999")
        assert caught.value.response.status_code == 404


@pytest.mark.usefixtures("seeded")
def test_hostile_text_stays_inert_in_markdown(hf: Any) -> None:
    text = hf.read_paper("seed-hostile")
    assert "\\<script\\>" in text and "\\<img src=x" in text
    assert not re.search(r"(?<!\\)<(?!https?://)", text)  # every other < is escaped
    assert HOSTILE_TITLE.split("<")[0] in text


@pytest.mark.usefixtures("seeded")
def test_out_of_range_parameters_raise_client_errors(hf: Any) -> None:
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError) as caught:
        list(hf.list_daily_papers(limit=500))
    assert caught.value.response.status_code == 422
    assert "limit: must be an integer from 1 to 100" in caught.value.response.text
    with pytest.raises(HfHubHTTPError):
        list(hf.list_papers(query="x" * 251))

