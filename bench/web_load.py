"""Loopback load on the web page (home, a listing, search) against the 99 k-paper database.

Starts `paperfeed serve` on 127.0.0.1 and drives it with wrk (Debian's `wrk`; a small asyncio
client when wrk is missing): 64 connections for 30 s per scenario by default. The baseline,
run in the same process, is the home page for a signed-in reader: rendered for them on every
request from cached data (signed-out readers get the rendered page from the page cache).
"distinct queries" asks every search once, so it measures the search itself.

    .venv/bin/python bench/web_load.py [--db PATH] [--duration 30] [--workers 1] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
DEFAULT_DB = Path(tempfile.gettempdir()) / "paperfeed-bench-web" / "corpus.db"
POPULAR = ["transformers", "diffusion models", "graph neural networks", "protein design",
           "reinforcement learning from human feedback", "state space models",
           "making models hard to fine-tune on harmful tasks", "retrieval augmented generation",
           "vision language models", "federated learning privacy", "neural radiance fields",
           "large language model reasoning", "speech recognition", "quantization",
           "mixture of experts", "contrastive learning", "autonomous driving", "code generation",
           "time series forecasting", "in-context learning"]
LUA = """
local paths = {}
for line in io.lines(os.getenv("PAPERFEED_PATHS")) do paths[#paths + 1] = line end
local count = 0
function setup(thread) thread:set("tid", count); count = count + 1 end
local i = 0
function request()
  i = i + 1
  local n = ((i - 1) * NTHREADS + tid) % #paths + 1
  return wrk.format("GET", paths[n])
end
"""


@dataclass
class Result:
    name: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_db(path: Path) -> Path:
    """The 99 k-paper database, built once from the shared corpus when missing."""
    if path.exists():
        return path
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing; pass --db with an existing paperfeed database")
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {path} from {CORPUS} (about two minutes) ...", file=sys.stderr)
    env = os.environ | {"PAPERFEED_DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([sys.executable, "-m", "paperfeed", "ingest", "jsonl", str(CORPUS)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return path


def session_cookie(db: Path) -> str:
    """A signed-in reader's session cookie, signed with the default development secret."""
    from paperfeed.config import load_settings
    from paperfeed.store import open_store
    from paperfeed.web.auth import SESSION_COOKIE, Auth, Reader

    settings = load_settings(environ={}, database_url=f"sqlite:///{db}")
    store = open_store(settings.database_url)
    reader = Reader(store.get_or_create_reader("bench@example.org"), "bench@example.org")
    epoch = store.session_epoch(reader.id) or 0
    cookie = Auth(settings, store).session_value(reader, epoch)
    store.close()
    return f"{SESSION_COOKIE}={cookie}"


def start_server(db: Path, port: int, workers: int, model: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERFEED_")}
    env |= {"PAPERFEED_DATABASE_URL": f"sqlite:///{db}", "PAPERFEED_LOG_LEVEL": "WARNING",
            "PAPERFEED_EMBEDDING_MODEL": model}
    server = subprocess.Popen([sys.executable, "-m", "paperfeed", "serve", "--port", str(port),
                               "--workers", str(workers)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("the server did not start")


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(name: str, base: str, paths: list[str], args: argparse.Namespace,
            header: str | None) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="paperfeed-wrk-"))
    (folder / "paths.txt").write_text("\n".join(paths) + "\n")
    (folder / "paths.lua").write_text(LUA.replace("NTHREADS", str(args.threads)))
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--timeout", "10s", "--latency", "-s", str(folder / "paths.lua"),
               "-H", "Accept-Encoding: gzip"]  # as browsers ask (httpx asks by itself)
    if header:
        command += ["-H", header]
    out = subprocess.run([*command, base], capture_output=True, text=True, check=True,
                         env=os.environ | {"PAPERFEED_PATHS": str(folder / "paths.txt")}).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return Result(name, int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
                  float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
                  _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
                  _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
                  errors)


async def _client_load(base: str, paths: list[str], args: argparse.Namespace,
                       header: str | None) -> tuple[list[float], int]:
    import httpx

    latencies: list[float] = []
    errors, counter, stop = 0, iter(range(10**9)), time.monotonic() + args.duration
    headers = dict([header.split(": ", 1)]) if header else {}
    limits = httpx.Limits(max_connections=args.connections)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                path = paths[next(counter) % len(paths)]
                start = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - start) * 1000)
                errors += response.status_code >= 400
        await asyncio.gather(*(worker() for _ in range(args.connections)))
    return latencies, errors


def run_python(name: str, base: str, paths: list[str], args: argparse.Namespace,
               header: str | None) -> Result:
    latencies, errors = asyncio.run(_client_load(base, paths, args, header))
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return Result(name, len(latencies), len(latencies) / args.duration, pick(0.5), pick(0.99),
                  errors)


def distinct_queries(db: Path, n: int) -> list[str]:
    """n different search pages: two or three words from random titles."""
    rng = random.Random(5)
    with sqlite3.connect(db) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM papers ORDER BY random() "
                                             "LIMIT ?", (n * 2,))]
    queries = dict.fromkeys(" ".join(rng.sample(t.split(), min(len(t.split()), rng.choice([2, 3]))))
                            for t in titles if len(t.split()) >= 2)
    return [f"/search?q={urllib.request.quote(q)}" for q in list(queries)[:n]]


def scenarios(db: Path, cookie: str) -> list[tuple[str, list[str], str | None]]:
    search = [f"/search?q={urllib.request.quote(q)}" for q in POPULAR]
    with sqlite3.connect(db) as conn:
        papers = [f"/papers/{r[0]}" for r in conn.execute(
            "SELECT id FROM papers ORDER BY day DESC LIMIT 50")]
    return [
        ("home, signed in (rendered per reader: baseline)", ["/"], f"Cookie: {cookie}"),
        ("home, signed out (page cache)", ["/"], None),
        ("daily listing, signed out", ["/daily"], None),
        ("search, 20 popular queries, signed out", search, None),
        ("search, distinct queries (cache misses)", distinct_queries(db, 20_000), None),
        ("paper pages, signed out (page cache)", papers, None),
    ]


def vectors_note(db: Path, model: str) -> str:
    """Which search the server will run: hybrid over the model's vectors, or keyword only."""
    with sqlite3.connect(db) as conn:
        n = conn.execute("SELECT count(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0]
    if n:
        return f"Searches are hybrid over {n:,} {model} vectors."
    return (f"The database has no {model} vectors, so searches are keyword only (build them "
            f"with `paperfeed index`, or pass --db and --model of a database that has them).")


def machine() -> str:
    return (f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.system()} {platform.release()}")


def table(results: list[Result], tool: str) -> str:
    base = results[0].rps or 1.0
    lines = [f"load generator: {tool}", "",
             "| scenario | requests | req/s | p50 ms | p99 ms | errors | vs baseline |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.requests:,} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
              f"{r.errors} | {r.rps / base:.1f}× |" for r in results]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--model", default="minilm-l6-v2", help="the embedding model the "
                        "server searches with (searches are keyword-only when the database "
                        "has no vectors from it; see vectors_note)")
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    db = ensure_db(args.db)
    note = vectors_note(db, args.model)
    print(note, file=sys.stderr)
    cookie = session_cookie(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db, port, args.workers, args.model)
    use_wrk = shutil.which("wrk") is not None
    run = run_wrk if use_wrk else run_python
    results = []
    try:
        for name, paths, header in scenarios(db, cookie):
            if args.only and args.only not in name:
                continue
            for path in paths[:1] if "distinct" in name else paths[:50]:  # warm up
                urllib.request.urlopen(urllib.request.Request(
                    base + path, headers=dict([header.split(": ", 1)]) if header else {}))
            results.append(run(name, base, paths, args, header))
            print(f"{results[-1]}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(10)
    tool = "wrk" if use_wrk else "python asyncio + httpx (wrk not installed)"
    text = table(results, tool)
    print(text)
    if args.write:
        command = " ".join(["python", "bench/web_load.py", *sys.argv[1:]])
        heading = (f"\n## Web page under load ({datetime.now(UTC):%Y-%m-%d})\n\n"
                   f"`{command}`: {args.connections} connections, {args.duration} s per "
                   f"scenario, {args.workers} uvicorn worker(s), 99,188 papers; machine: "
                   f"{machine()}. {note}\n\n")
        with (REPO / "bench" / "RESULTS.md").open("a") as out:
            out.write(heading + text + "\n")


if __name__ == "__main__":
    main()
