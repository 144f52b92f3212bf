"""A private PostgreSQL 16 + pgvector (PyPI `pgserver`) for the tests, a fresh schema per test.

Without pgserver (or when the server cannot start) PostgreSQL tests skip, except under CI=true,
where they fail: CI must show that the PostgreSQL tests ran.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from paperfeed.pids import alive


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@dataclass
class PgServer:
    """A running private cluster with one test database; a fresh schema for each test."""

    handle: Any
    version: str
    database: str = "paperfeed_tests"

    def url(self, database: str = "postgres") -> str:
        return str(self.handle.get_uri(database))

    def create_schema(self) -> tuple[str, str]:
        """A new empty schema and the URL whose search_path puts it first (then public,
        where pgvector lives): to paperfeed it is an empty database of its own."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(self.database), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return name, f"{self.url(self.database)}&options=-csearch_path%3D{name}%2Cpublic"

    def drop_schema(self, name: str) -> None:
        with psycopg.connect(self.url(self.database), autocommit=True) as conn:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


PREFIX = "paperfeed-pg-"


def _reap_stale() -> None:
    """Stop and remove the clusters of earlier sessions that were killed before cleaning up."""
    for base in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner, postmaster = base / "owner.pid", base / "data" / "postmaster.pid"
        try:
            if alive(int(owner.read_text())):
                continue
            if postmaster.exists():
                os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)  # fast shutdown
        except (OSError, ValueError):
            continue
        shutil.rmtree(base, ignore_errors=True)


def _start() -> tuple[PgServer, Path]:
    _reap_stale()
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / "owner.pid").write_text(str(os.getpid()))
    data = base / "data"
    data.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgserver warns when XDG_RUNTIME_DIR is unset
        import pgserver

        handle = pgserver.get_server(data, cleanup_mode="delete")
    with psycopg.connect(handle.get_uri(), autocommit=True) as conn:
        for durability in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {durability} = off")  # a throwaway cluster
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("CREATE DATABASE paperfeed_tests")
        row = conn.execute("SELECT current_setting('server_version')").fetchone()
        vector = conn.execute("SELECT default_version FROM pg_available_extensions "
                              "WHERE name = 'vector'").fetchone()
    version = f"PostgreSQL {row[0] if row else '?'}, pgvector {vector[0] if vector else '?'}"
    with psycopg.connect(handle.get_uri("paperfeed_tests"), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")  # in public, shared by the tests' schemas
    return PgServer(handle, version), base


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (started on first use, removed at the end)."""
    try:
        server, base = _start()
    except Exception as exc:
        message = f"PostgreSQL (pgserver) could not start: {type(exc).__name__}: {exc}"
        if in_ci():
            pytest.fail(f"{message}; CI=true requires the PostgreSQL tests to run",
                        pytrace=False)
        pytest.skip(message)
    STARTED.append(server.version)
    yield server
    server.handle.cleanup()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(pg_server: PgServer) -> Iterator[str]:
    """A URL to a fresh, empty database (a new schema: 3x faster than CREATE DATABASE),
    dropped after the test."""
    name, url = pg_server.create_schema()
    yield url
    pg_server.drop_schema(name)


STARTED: list[str] = []  # what the session ran against, for the terminal summary


def summary_line(reports: list[Any]) -> str | None:
    """'PostgreSQL tests: N passed, M skipped on PostgreSQL x, pgvector y' for the session."""
    counts: dict[str, int] = {}
    for report in reports:
        if "postgres" not in getattr(report, "keywords", ()):
            continue
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            outcome = "error" if report.when == "setup" and report.failed else report.outcome
            counts[outcome] = counts.get(outcome, 0) + 1
    if not counts:
        return None
    ran = f" on {STARTED[0]}" if STARTED else " (no server started)"
    return "PostgreSQL tests: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + ran
