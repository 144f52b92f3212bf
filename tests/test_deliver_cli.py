"""The digest commands as an admin runs them (real subprocesses, a real SQLite file, real SMTP),
and the crash test: `kill -9` in the middle of 1,000 digests, then a rerun, sends each once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from digest_data import NOW, seed
from paperfeed.models import Preferences
from paperfeed.store import Store, open_store
from smtp import SmtpServer, free_port

DAY = NOW.date().isoformat()
TOPICS = ("in-context learning", "diffusion", "reinforcement learning", "graph neural network",
          "speech", "protein", "language model", "")


def _env(db: Path, server: SmtpServer, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PAPERFEED_DATABASE_URL": f"sqlite:///{db}",
           "PAPERFEED_SMTP_HOST": server.host, "PAPERFEED_SMTP_PORT": str(server.port),
           "PAPERFEED_MAIL_RATE_LIMIT": "100000", "PAPERFEED_BASE_URL": "https://p.example.org",
           "PAPERFEED_SECRET_KEY": "a-test-key-for-a-public-base-url",
           "COLUMNS": "250",
           **extra}
    env.pop("PAPERFEED_CONFIG", None)
    return env


def paperfeed(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "paperfeed", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def _database(tmp_path: Path, subscribers: int = 0) -> tuple[Path, Store]:
    db = tmp_path / "p.db"
    store = open_store(f"sqlite:///{db}")
    seed(store)
    for i in range(subscribers):
        prefs = Preferences(topics=(TOPICS[i % len(TOPICS)],) if TOPICS[i % len(TOPICS)]
                            else (), categories=("cs.LG",) if i % 5 == 0 else ())
        store.add_subscription(f"reader{i:04d}@example.org", prefs, status="active", now=NOW)
    return db, store


def test_subscribers_add_list_and_remove(tmp_path: Path, smtp_server: SmtpServer) -> None:
    db, _ = _database(tmp_path)
    env = _env(db, smtp_server)
    added = paperfeed("subscribers", "add", "Admin@Example.org", "--confirmed", "--topic",
                      "state space models", "--category", "cs.LG", "--frequency", "weekly",
                      "--weekday", "wed", "--hour", "9", "--timezone", "Asia/Tokyo", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "admin@example.org: added (active)"
    invited = paperfeed("subscribers", "add", "new@example.org", env=env)
    assert "(pending); confirmation mail sent" in invited.stdout
    assert [str(m["To"]) for m in smtp_server.messages] == ["new@example.org"]
    listed = paperfeed("subscribers", "list", env=env).stdout
    assert "admin@example.org" in listed and "weekly (Wed) 09h Asia/Tokyo" in listed
    assert "state space models" in listed and "new@example.org" in listed
    assert paperfeed("subscribers", "remove", "admin@example.org", env=env).returncode == 0
    assert "admin@example.org" not in paperfeed("subscribers", "list", env=env).stdout
    gone = paperfeed("subscribers", "remove", "admin@example.org", env=env)
    assert gone.returncode == 1 and "no subscription" in gone.stderr


def test_bad_subscriber_input_is_one_clear_line(tmp_path: Path,
                                                smtp_server: SmtpServer) -> None:
    db, _ = _database(tmp_path)
    out = paperfeed("subscribers", "add", "a@example.org", "--confirmed", "--timezone",
                    "Moon/Base", env=_env(db, smtp_server))
    assert out.returncode == 1
    assert out.stderr.strip().startswith("Error: timezone: 'Moon/Base' is not a time zone")


def test_preview_shows_the_digest_and_sends_nothing(tmp_path: Path,
                                                    smtp_server: SmtpServer) -> None:
    db, store = _database(tmp_path)
    store.add_subscription("r@example.org", Preferences(topics=("in-context learning",)),
                           status="active", now=NOW)
    env = _env(db, smtp_server)
    text = paperfeed("digest", "preview", "--email", "r@example.org", "--date", DAY, env=env)
    assert text.returncode == 0, text.stderr
    assert "Subject: paperfeed digest for Tue 10 Mar 2026:" in text.stdout
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in text.stdout
    assert "matches topic 'in-context learning'" in text.stdout
    html = paperfeed("digest", "preview", "--email", "r@example.org", "--date", DAY, "--html",
                     env=env)
    assert html.stdout.lstrip().startswith("<!doctype html>")
    assert smtp_server.messages == [] and store.count_digest_sends() == {}


def test_send_with_a_date_catches_up_and_never_twice(tmp_path: Path,
                                                     smtp_server: SmtpServer) -> None:
    db, _ = _database(tmp_path, subscribers=12)
    env = _env(db, smtp_server)
    first = paperfeed("digest", "send", "--date", DAY, env=env)
    assert first.returncode == 0, first.stderr
    assert "digests: 12 sent" in first.stdout
    again = paperfeed("digest", "send", "--date", DAY, env=env)
    assert "digests: nothing due" in again.stdout
    assert len(smtp_server.messages) == 12


def test_the_worker_runs_a_round_and_stops_cleanly_on_sigterm(
        tmp_path: Path, smtp_server: SmtpServer) -> None:
    db, store = _database(tmp_path)
    store.add_subscription("r@example.org", Preferences(send_hour=0), status="active", now=NOW)
    env = _env(db, smtp_server, PAPERFEED_WORKER_INTERVAL="3600", PAPERFEED_SEND_EMPTY_DIGESTS="1",
               PAPERFEED_WORKER_STEPS="ingest,digests",  # embedding has its own tests
               PAPERFEED_INGEST_SOURCES="hf_daily", PAPERFEED_HTTP_RETRIES="0",
               PAPERFEED_HF_API_URL=f"http://127.0.0.1:{free_port()}")  # nobody answers
    once = paperfeed("worker", "--once", env=env)
    assert once.returncode == 0, once.stderr
    assert "ingest hf_daily failed" in once.stderr  # a failing source stops nothing else
    assert len(smtp_server.messages) == 1  # today's (empty) digest, sent because asked
    proc = subprocess.Popen([sys.executable, "-m", "paperfeed", "worker"],
                            env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        while "round done" not in (line := proc.stderr.readline()):
            assert line and time.monotonic() < deadline, "the worker never finished a round"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(smtp_server.messages) == 1  # the second worker found nothing due


@pytest.mark.slow
def test_kill_9_in_the_middle_of_1000_digests_then_a_rerun_sends_each_exactly_once(
        tmp_path: Path, smtp_server: SmtpServer) -> None:
    db, store = _database(tmp_path, subscribers=1000)
    store.close()
    env = _env(db, smtp_server, PAPERFEED_DIGEST_CLAIM_SECONDS="2",
               PAPERFEED_SMTP_CONNECTIONS="1")  # one message in flight when the kill lands
    smtp_server.hold_reply_to(500)  # message 500 is complete; its sender waits for "250"
    proc = subprocess.Popen([sys.executable, "-m", "paperfeed", "digest", "send", "--date", DAY],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert smtp_server.held.wait(timeout=240), "the sender never reached message 500"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        smtp_server.release()
        if proc.poll() is None:
            proc.kill()
    time.sleep(2.5)  # any claim the killed worker held has now expired
    rerun = paperfeed("digest", "send", "--date", DAY, env=env)
    assert rerun.returncode == 0, rerun.stderr
    deadline = time.monotonic() + 10
    while smtp_server.count < 1000 and time.monotonic() < deadline:
        time.sleep(0.05)
    per_address = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(per_address) == 1000
    assert set(per_address.values()) == {1}
    assert "digests: 500 sent" in rerun.stdout
