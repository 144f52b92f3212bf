"""Several processes on one PostgreSQL database: two `paperfeed serve`, two `paperfeed worker`.

Readers sign in and upvote through both web servers at once; every vote is counted once and
both servers show the same count. Two digest workers run at the same time; every subscriber
gets exactly one digest.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from paperfeed.models import Paper, Preferences
from paperfeed.store import Store, open_store
from smtp import SmtpServer, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
READERS = 12
SUBSCRIBERS = 40
PAPER = "2401.00001"
DEADLINE = 120.0  # seconds: generous, only so a broken build cannot hang the suite


@pytest.fixture
def database(postgres_url: str) -> Iterator[Store]:
    store = open_store(postgres_url)
    store.upsert_papers([Paper(id=PAPER, title="A votable paper", abstract="Text.",
                               published=datetime.now(UTC))])
    yield store
    store.close()


@pytest.fixture
def environ(postgres_url: str, smtp_server: SmtpServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env.update({"PAPERFEED_DATABASE_URL": postgres_url, "PAPERFEED_DATABASE_POOL_SIZE": "4",
                "PAPERFEED_SECRET_KEY": "a-test-secret-shared-by-every-process",
                "PAPERFEED_SMTP_HOST": smtp_server.host,
                "PAPERFEED_SMTP_PORT": str(smtp_server.port),
                "PAPERFEED_SEND_EMPTY_DIGESTS": "true", "PAPERFEED_WORKER_STEPS": "digests",
                "PAPERFEED_WORKER_INTERVAL": "0.5", "PAPERFEED_LOG_LEVEL": "WARNING",
                "PAPERFEED_MAIL_LIMIT_PER_CLIENT": "1000"})  # every reader signs in from here
    return env


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "paperfeed", *args], env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def _stop(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=30))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(proc.wait())
    return codes


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _sign_in(client: httpx.Client, base: str, smtp: SmtpServer, email: str) -> None:
    form = client.get(f"{base}/signin")
    client.post(f"{base}/signin", data={"email": email, "next": "/",
                                        "csrf_token": _csrf(form.text)})
    link = re.search(r"/signin/verify\?token=(\S+)", smtp.to(email)[-1].get_content())
    assert link, "no sign-in link in the mail"
    confirm = client.get(f"{base}/signin/verify?token={link.group(1)}")
    done = client.post(f"{base}/signin/verify", data={"token": link.group(1),
                                                      "csrf_token": _csrf(confirm.text)})
    assert done.status_code in (200, 303), done.text


def _vote_at_once(clients: list[httpx.Client], bases: list[str]) -> list[dict[str, object]]:
    """Every reader votes through the other server, all released together."""
    barrier, answers = threading.Barrier(len(clients)), [{}] * len(clients)

    def vote(i: int) -> None:
        base = bases[(i + 1) % 2]
        token = _csrf(clients[i].get(f"{base}/").text)
        barrier.wait()
        answers[i] = clients[i].post(f"{base}/votes", headers={"Accept": "application/json"},
                                     data={"paper_id": PAPER, "csrf_token": token}).json()

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_web_servers_count_concurrent_upvotes_exactly(
        database: Store, environ: dict[str, str], smtp_server: SmtpServer,
        tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    servers = [_start(["serve", "--port", str(p)], {**environ, "PAPERFEED_BASE_URL": b},
                      tmp_path / f"serve{i}.log") for i, (p, b) in enumerate(zip(ports, bases,
                                                                                  strict=True))]
    clients = [httpx.Client(timeout=30, follow_redirects=False) for _ in range(READERS)]
    try:
        for base in bases:
            _wait_for(lambda b=base: _up(f"{b}/"), f"paperfeed serve at {base}")
        for base in bases:  # cached by each server before the votes
            assert "(0 votes)" in httpx.get(f"{base}/papers/{PAPER}", timeout=30).text
        for i, client in enumerate(clients):
            _sign_in(client, bases[i % 2], smtp_server, f"reader{i}@example.org")
        answers = _vote_at_once(clients, bases)
        assert all(a["voted"] is True for a in answers)
        assert database.vote_counts([PAPER]) == {PAPER: READERS}
        for base in bases:  # each server's page cache saw the other's votes
            assert f"({READERS} votes)" in httpx.get(f"{base}/papers/{PAPER}", timeout=30).text
    finally:
        for client in clients:
            client.close()
        codes = _stop(servers)  # uvicorn re-raises SIGTERM after a clean shutdown
        logs = [p.read_text() for p in sorted(tmp_path.glob("serve*.log"))]
        assert set(codes) <= {0, -signal.SIGTERM} and "Traceback" not in "".join(logs), logs


def test_two_digest_workers_send_each_digest_exactly_once(
        database: Store, environ: dict[str, str], smtp_server: SmtpServer,
        tmp_path: Path) -> None:
    now = datetime.now(UTC)
    addresses = [f"subscriber{i}@example.org" for i in range(SUBSCRIBERS)]
    for address in addresses:
        database.add_subscription(address, Preferences(send_hour=0), status="active", now=now)
    workers = [_start(["worker"], environ, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        _wait_for(lambda: database.count_digest_sends().get("sent", 0) == SUBSCRIBERS,
                  f"{SUBSCRIBERS} digests sent")
        _wait_for(lambda: all("paperfeed worker on" in (tmp_path / f"worker{i}.log").read_text()
                              for i in range(2)), "both workers running")  # on a busy machine
        time.sleep(1.5)  # three more rounds each: a duplicate would show up now
    finally:
        codes = _stop(workers)
    logs = [p.read_text() for p in sorted(tmp_path.glob("worker*.log"))]
    assert codes == [0, 0], logs
    assert database.count_digest_sends() == {"sent": SUBSCRIBERS}
    received = sorted(str(m["To"]) for m in smtp_server.messages)
    assert received == sorted(addresses)
