"""Digests at scale: compose, render and deliver for 10 k and 100 k subscribers, 99 k papers.

Builds (once) the 99,188-paper database from ../shared/data, copies it per size, adds N
subscribers with varied topics and categories (all due on the digest day), then measures:

- compose: Composer.compose for every subscriber (the shared ranking code over store reads
  gathered once for the round) -> composes/s. Goal: 100 k in <= 2 minutes.
- render: Renderer.digest + the SMTP bytes, for up to 10 k of them -> renders/s.
- deliver: `send_digests` end to end (claim, compose, render, SMTP, record) to an aiosmtpd
  sink in another process, one SMTP connection per worker -> messages/s. Goal: >= 200/s.

Baselines in the same run: compose with nothing shared across the round (a sample), and a
bare smtplib loop sending one pre-rendered message over one connection to the same sink.

    .venv/bin/python bench/digest.py [--sizes 10000,100000] [--workers 1] [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
WORK = Path(tempfile.gettempdir()) / "paperfeed-bench-digest"
POPULAR = ["transformers", "diffusion models", "graph neural networks", "protein design",
           "reinforcement learning from human feedback", "state space models",
           "retrieval augmented generation", "vision language models", "federated learning",
           "neural radiance fields", "large language model reasoning", "speech recognition",
           "quantization", "mixture of experts", "contrastive learning", "autonomous driving",
           "code generation", "time series forecasting", "in-context learning",
           "protein design -diffusion"]
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.RO", "cs.CR", "q-bio.BM",
              "cs.IR", "eess.AS"]
STOP = frozenset({"a", "an", "and", "are", "as", "at", "based", "by", "for", "from", "in",
                  "into", "is", "of", "on", "or", "the", "to", "via", "with", "using",
                  "towards", "toward", "its", "their", "we", "our", "your", "this", "that",
                  "these"})


# -- data ---------------------------------------------------------------------------------

def _schema_stamp() -> str:
    """A digest of the SQLite migrations: the cached database is rebuilt when they change."""
    folder = REPO / "src" / "paperfeed" / "store" / "migrations" / "sqlite"
    digest = hashlib.blake2b(digest_size=8)
    for sql in sorted(folder.glob("*.sql")):
        digest.update(sql.name.encode() + sql.read_bytes())
    return digest.hexdigest()


def ensure_corpus_db() -> Path:
    """The 99 k-paper database (with its spelling vocabulary), built once from the corpus."""
    path, stamp = WORK / "corpus.db", WORK / "corpus.schema"
    if path.exists() and stamp.exists() and stamp.read_text() == _schema_stamp():
        return path
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing: the benchmark needs the shared corpus")
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{path}.tmp")
    for old in (path, tmp):
        old.unlink(missing_ok=True)
    print(f"building {path} from {CORPUS} (a few minutes) ...", file=sys.stderr)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env["PAPERFEED_DATABASE_URL"] = f"sqlite:///{tmp}"
    subprocess.run([sys.executable, "-m", "paperfeed", "ingest", "jsonl", str(CORPUS)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    from paperfeed.index.build import refresh_vocabulary
    from paperfeed.store import open_store

    store = open_store(f"sqlite:///{tmp}")
    refresh_vocabulary(store)
    store.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    store.close()
    tmp.rename(path)
    stamp.write_text(_schema_stamp())
    return path


def topic_pool(db: Path, size: int = 200) -> list[str]:
    """POPULAR plus the commonest two-word phrases of the corpus titles."""
    with sqlite3.connect(db) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM papers")]
    pairs: Counter[str] = Counter()
    for title in titles:
        words = re.findall(r"[a-z][a-z-]+", title.lower())
        pairs.update(f"{a} {b}" for a, b in itertools.pairwise(words)
                     if a not in STOP and b not in STOP)
    return POPULAR + [p for p, _ in pairs.most_common(size - len(POPULAR))]


def newest_day(db: Path) -> date:
    with sqlite3.connect(db) as conn:
        return date.fromisoformat(conn.execute("SELECT max(day) FROM papers").fetchone()[0])


def add_subscribers(store: Any, n: int, topics: list[str], day: date) -> None:
    """n active subscribers: 0-3 topics, 0-2 categories, daily or weekly (due on day)."""
    from paperfeed.models import Preferences

    rng = random.Random(42)
    since = datetime.combine(day - timedelta(days=60), dtime(), UTC)
    rows = []
    for i in range(n):
        prefs = Preferences(topics=tuple(rng.sample(topics, rng.choice((0, 1, 1, 2, 2, 3)))),
                            categories=tuple(rng.sample(CATEGORIES, rng.choice((0, 0, 1, 2)))),
                            frequency="weekly" if rng.random() < 0.2 else "daily",
                            weekday=day.weekday(), send_hour=rng.randrange(24),
                            timezone=rng.choice(("UTC", "Europe/Paris", "America/New_York",
                                                 "Asia/Tokyo")))
        rows.append((f"reader{i:06d}@bench.example", prefs))
    for email, prefs in rows:
        store.add_subscription(email, prefs, status="active", now=since)


# -- the SMTP sink, in its own process ------------------------------------------------------

def _sink(port: int, count: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def start_sink() -> tuple[mp.Process, int, Any]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    count, ready = mp.Value("q", 0), mp.Event()
    proc = mp.Process(target=_sink, args=(port, count, ready), daemon=True)
    proc.start()
    ready.wait(30)
    return proc, port, count


# -- measurements ---------------------------------------------------------------------------

def timed(label: str, n: int, work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"{label}: {n:,} in {seconds:.1f} s = {n / seconds:,.0f}/s", file=sys.stderr)
    return seconds, result


def compose_all(store: Any, settings: Any, now: datetime, day: date, subs: list[Any],
                memo: bool = True) -> int:
    from paperfeed.deliver.compose import Composer

    if not memo:  # a Composer per subscriber: nothing is shared across the round
        return sum(Composer(store, settings, now=now).compose(s, day).count for s in subs)
    composer = Composer(store, settings, now=now)
    return sum(composer.compose(s, day).count for s in subs)


def render_all(store: Any, settings: Any, now: datetime, day: date,
               subs: list[Any]) -> tuple[int, float]:
    """(mean bytes per mail, seconds) to render the digests of subs (composed beforehand)."""
    from paperfeed.deliver.compose import Composer
    from paperfeed.deliver.links import Links, Tokens
    from paperfeed.deliver.mailer import wire_bytes
    from paperfeed.deliver.render import Renderer, digest_message_id

    composer = Composer(store, settings, now=now)
    digests = [composer.compose(s, day) for s in subs]
    renderer = Renderer(settings, Links(settings, Tokens.from_settings(settings)))
    start = time.perf_counter()
    size = sum(len(wire_bytes(renderer.digest(d, message_id=digest_message_id(
        settings, d.subscription.id, day), now=now))) for d in digests)
    return (size // len(digests) if digests else 0), time.perf_counter() - start


def _deliver_worker(url: str, port: int, day: date, now: datetime) -> None:
    from paperfeed.config import load_settings
    from paperfeed.deliver.actions import send_digests
    from paperfeed.store import open_store

    settings = load_settings(environ={}, database_url=url, smtp_host="127.0.0.1",
                             smtp_port=port, mail_rate_limit=100_000.0,
                             base_url="https://papers.example.org",
                             mail_from="paperfeed <digest@papers.example.org>")
    store = open_store(url)
    send_digests(store, settings, day=day, now=now)
    store.close()


def deliver(url: str, port: int, day: date, now: datetime, workers: int) -> None:
    procs = [mp.Process(target=_deliver_worker, args=(url, port, day, now))
             for _ in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode:
            sys.exit(f"a delivery worker failed with exit code {p.exitcode}")


def bare_smtp(port: int, n: int) -> None:
    """Baseline: one pre-rendered 20 kB message, n times, one connection, plain smtplib."""
    body = ("Subject: x\r\nFrom: a@b.example\r\nTo: c@d.example\r\n\r\n" +
            ("x" * 76 + "\r\n") * 260).encode()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
        for _ in range(n):
            smtp.sendmail("a@b.example", ["c@d.example"], body)


# -- report ---------------------------------------------------------------------------------

def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"load average {load:.1f} at the start")


def run_size(n: int, corpus: Path, topics: list[str], port: int, count: Any,
             workers: int, rows: list[str]) -> None:
    from paperfeed.config import load_settings
    from paperfeed.store import open_store

    db = WORK / f"run-{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(corpus, db)
    url = f"sqlite:///{db}"
    store = open_store(url)
    day = newest_day(db)
    now = datetime.combine(day, dtime(23, 0), UTC)
    add_subscribers(store, n, topics, day)
    settings = replace(load_settings(environ={}, database_url=url),
                       base_url="https://papers.example.org")
    subs = store.list_subscriptions(limit=n + 1)
    secs, papers = timed(f"compose {n:,}", n, lambda: compose_all(store, settings, now, day, subs))
    rows.append(f"| compose | {n:,} | {secs:.1f} s | **{n / secs:,.0f} composes/s** | "
                f"{papers / n:.1f} papers per digest |")
    sample = subs[:min(n, 10_000)]
    size, rsecs = render_all(store, settings, now, day, sample)
    rows.append(f"| render (text + HTML + SMTP bytes) | {len(sample):,} | {rsecs:.1f} s | "
                f"{len(sample) / rsecs:,.0f} renders/s | {size / 1024:.1f} kB per mail |")
    store.close()
    before = count.value
    dsecs, _ = timed(f"deliver {n:,} ({workers} worker(s))", n,
                     lambda: deliver(url, port, day, now, workers))
    got = count.value - before
    rows.append(f"| deliver end to end, {workers} worker process(es) | {got:,} | {dsecs:.1f} s | "
                f"**{got / dsecs:,.0f} messages/s** | claim, compose, render, SMTP, record |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="subscriber counts, comma-separated")
    ap.add_argument("--workers", type=int, default=1, help="delivery worker processes")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    started = machine()
    corpus = ensure_corpus_db()
    topics = topic_pool(corpus)
    sink, port, count = start_sink()
    rows: list[str] = []
    try:
        base_n = 3000
        bsecs, _ = timed("bare smtplib", base_n, lambda: bare_smtp(port, base_n))
        base_rate = base_n / bsecs
        sizes = [int(s) for s in args.sizes.split(",")]
        for n in sizes:
            run_size(n, corpus, topics, port, count, args.workers, rows)
        store_url = f"sqlite:///{WORK / f'run-{sizes[0]}.db'}"
        from paperfeed.config import load_settings
        from paperfeed.store import open_store

        store = open_store(store_url)
        settings = load_settings(environ={}, database_url=store_url)
        day = newest_day(WORK / f"run-{sizes[0]}.db")
        now = datetime.combine(day, dtime(23, 0), UTC)
        sample = store.list_subscriptions(limit=300)
        usecs, _ = timed("compose, nothing shared", len(sample),
                         lambda: compose_all(store, settings, now, day, sample, memo=False))
        store.close()
    finally:
        sink.terminate()
    rows.append(f"| baseline: compose, a Composer per subscriber | {len(sample)} | {usecs:.1f} s "
                f"| {len(sample) / usecs:,.0f} composes/s | the same ranking calls |")
    rows.append(f"| baseline: bare smtplib, one fixed 20 kB message | {base_n:,} | {bsecs:.1f} s "
                f"| {base_rate:,.0f} messages/s | the sink's and loopback's ceiling |")
    text = "\n".join(["| step | digests | time | rate | note |", "|---|---:|---:|---:|---|",
                      *rows])
    print(text)
    if args.write:
        command = " ".join(["python", "bench/digest.py", *sys.argv[1:]])
        heading = (f"\n## Digests: compose, render, deliver ({datetime.now(UTC):%Y-%m-%d})\n\n"
                   f"`{command}`: 99,188 papers, subscribers with 0-3 topics from a pool of "
                   f"{len(topics)} and 0-2 categories, all due on the newest corpus day; "
                   f"aiosmtpd sink in its own process; machine: {started}.\n\n")
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(heading + text + "\n")


if __name__ == "__main__":
    main()
