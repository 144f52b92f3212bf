"""The corpus map and /trends on the 99 k-paper database: build, placement, payload, latency.

Writes the map into the database it is given: pass a copy (never the cached original).

    cp /work/cache/corpus99k-minilm-static-256.db /tmp/map/c99k.db
    nice -n 10 .venv/bin/python bench/map.py --db /tmp/map/c99k.db [--write]

Steps, in one process: (1) `map build` of every paper with a vector (wall and CPU seconds of
each part; layout quality as the share of each paper's 10 nearest neighbours by cosine that
stay among its 10 nearest on the map, for t-SNE and for a PCA projection as the baseline);
(2) a day's new papers (--new, default 1,000) taken off the map and placed again, timed
against the build; (3) the /map payload's size raw and gzipped; (4) /map/data.json and
/trends through the app in process (TestClient), first request (cold) and the median of
later ones (cached), and the /trends data built straight from the store.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from paperfeed.config import load_settings
from paperfeed.index.mapbuild import build_map, load_vectors, place_new
from paperfeed.store import open_store

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


class Rows(list[tuple[str, str]]):
    """The results, each printed as it comes (a later step failing loses nothing)."""

    def append(self, row: tuple[str, str]) -> None:
        print(f"| {row[0]} | {row[1]} |", flush=True)
        super().append(row)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def knn_kept(vectors: np.ndarray, xy: np.ndarray, *, k: int = 10, queries: int = 1000) -> float:
    """Mean share of a paper's k nearest neighbours (cosine) among its k nearest on the map."""
    rng = np.random.default_rng(0)
    picked = rng.choice(len(vectors), size=min(queries, len(vectors)), replace=False)
    high = np.argsort(-(vectors[picked] @ vectors.T), axis=1)[:, 1:k + 1]
    shares = []
    for row, q in enumerate(picked):
        low = np.argsort(((xy - xy[q]) ** 2).sum(axis=1))[1:k + 1]
        shares.append(len(set(high[row]) & set(low)) / k)
    return float(np.mean(shares))


def timed_get(client: object, path: str, runs: int) -> tuple[float, float, int]:
    """(first request ms, median of the next runs ms, gzipped bytes)."""
    headers = {"accept": "text/html", "accept-encoding": "gzip"}
    times = []
    size = 0
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = client.get(path, headers=headers)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = int(response.headers.get("content-length") or len(response.content))
    return times[0], statistics.median(times[1:]), size


def synthetic(path: Path, size: int) -> list[tuple[str, str]]:
    """A database of size papers (day and primary category only, no text) all on a map of
    60 clusters: what /trends reads. Days follow the 99 k corpus's last two years."""
    store = open_store(f"sqlite:///{path}")
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    days = np.datetime64("2026-08-21") - rng.integers(0, 730, size)
    cats = [f"cs.{c}" for c in ("LG", "CV", "CL", "AI", "RO", "CR", "DS", "IR")] + \
        [f"math.{c}" for c in ("OC", "ST", "PR")] + ["stat.ML", "quant-ph", "eess.SP"]
    stamp = datetime.now(UTC).isoformat()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO papers_fts_backlog (done) VALUES (-1)")  # no full text
        for lo in range(0, size, 100_000):
            conn.executemany(
                "INSERT INTO papers (id, title, abstract, categories, primary_category, day, "
                "source, fingerprint, ingested_at, modified_at) VALUES (?, 't', '', ?, ?, ?, "
                "'bench', '', ?, ?)",
                [(f"s{i:07d}", f'["{c}"]', c, str(d), stamp, stamp) for i, c, d in zip(
                    range(lo, min(size, lo + 100_000)),
                    rng.choice(cats, min(size, lo + 100_000) - lo),
                    days[lo:lo + 100_000], strict=True)])
    from paperfeed.store.base import MapCluster

    store.put_map([(f"s{i:07d}", 0.0, 0.0, int(c)) for i, c in
                   enumerate(rng.integers(0, 60, size))],
                  [MapCluster(c, f"cluster {c}", (), 0, 0.0, 0.0) for c in range(60)],
                  version="synthetic")
    built = time.perf_counter() - start
    from paperfeed.web.trendviews import trends_page

    cold = []
    for _ in range(3):
        t = time.perf_counter()
        trends_page(store)
        cold.append((time.perf_counter() - t) * 1000)
    settings = load_settings(environ={}, database_url=f"sqlite:///{path}")
    from fastapi.testclient import TestClient

    from paperfeed.web.app import create_app

    with TestClient(create_app(settings, store)) as client:
        first, cached, _ = timed_get(client, "/trends", 20)
    return [(f"synthetic database of {size:,} papers on a map (no text)", f"made in "
             f"{built:.0f} s"),
            ("/trends data from the store (no cache), 3 runs",
             " / ".join(f"{c:.0f} ms" for c in cold)),
            ("GET /trends: first / cached (median of 20)",
             f"{first:.0f} ms / {cached:.1f} ms")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--synthetic", type=int, default=0, help="instead: make a database "
                        "of this many papers at --db (must not exist) and time /trends on it")
    parser.add_argument("--model", default="minilm-static-256")
    parser.add_argument("--new", type=int, default=1000, help="papers placed as a day's new")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.synthetic:
        assert not args.db.exists(), f"{args.db} exists"
        publish(synthetic(args.db, args.synthetic), f"/trends at {args.synthetic:,} papers",
               f"--synthetic {args.synthetic} --db <new file>", args.write)
        return
    url = f"sqlite:///{args.db}"
    store = open_store(url)
    rows = Rows()

    before = {p.paper_id: (p.x, p.y) for p in store.map_points()}
    wall, c0 = time.perf_counter(), cpu()
    report = build_map(store, args.model)
    build_s, build_cpu = time.perf_counter() - wall, cpu() - c0
    parts = ", ".join(f"{k} {v:.0f}" for k, v in (report.seconds or {}).items() if k != "total")
    kind = "rebuild from the stored map" if before else "build from scratch"
    rows.append((f"map {kind}, {report.papers:,} papers, {report.clusters} clusters",
                 f"{build_s:.0f} s wall, {build_cpu:.0f} s CPU ({parts} s)"))
    if before:
        after = {p.paper_id: (p.x, p.y) for p in store.map_points()}
        old = np.array([before[i] for i in before if i in after])
        new = np.array([after[i] for i in before if i in after])
        diag = float(np.linalg.norm(old.max(axis=0) - old.min(axis=0)))
        moved = np.linalg.norm(new - old, axis=1) / diag
        rows.append(("old points moved by the rebuild (share of the map's diagonal)",
                     f"median {np.median(moved):.2%}, 90th percentile "
                     f"{np.quantile(moved, 0.9):.2%}, 99th {np.quantile(moved, 0.99):.2%}"))

    ids, vectors = load_vectors(store, args.model)
    points = {p.paper_id: p for p in store.map_points()}
    xy = np.array([(points[i].x, points[i].y) for i in ids], dtype=np.float32)
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred[:: max(1, len(ids) // 20000)], full_matrices=False)
    pca = centred @ vt[:2].T
    tsne_kept, pca_kept = knn_kept(vectors, xy), knn_kept(vectors, pca)
    rows.append(("10-NN kept on the map: t-SNE / PCA baseline",
                 f"{tsne_kept:.3f} / {pca_kept:.3f} ({tsne_kept / max(pca_kept, 1e-9):.0f}x)"))

    newest = [r[0] for r in sqlite3.connect(args.db).execute(
        "SELECT id FROM papers WHERE id IN (SELECT paper_id FROM map_points) "
        "ORDER BY day DESC, id DESC LIMIT ?", (args.new,))]
    with sqlite3.connect(args.db) as conn:
        conn.executemany("DELETE FROM map_points WHERE paper_id = ?", [(i,) for i in newest])
    wall, c0 = time.perf_counter(), cpu()
    placed = place_new(store, args.model)
    place_s, place_cpu = time.perf_counter() - wall, cpu() - c0
    moved = np.array([np.hypot(p.x - points[p.paper_id].x, p.y - points[p.paper_id].y)
                      for p in store.map_points() if p.paper_id in set(newest)])
    diagonal = float(np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)))
    rows.append((f"place {placed.placed:,} new papers (a day's)",
                 f"{place_s:.1f} s wall, {place_cpu:.1f} s CPU ({build_s / place_s:.0f}x less "
                 f"than a build); median distance from their built place "
                 f"{np.median(moved) / diagonal:.1%} of the map's diagonal"))

    from fastapi.testclient import TestClient

    from paperfeed.web.app import create_app
    from paperfeed.web.mapdata import PayloadCache

    payload = PayloadCache().get(store)
    assert payload is not None
    rows.append(("/map payload: raw / gzipped",
                 f"{len(payload.body) / 1e6:.2f} MB / {len(payload.gzipped) / 1e6:.2f} MB "
                 f"for {len(points):,} points"))
    settings = load_settings(environ={}, database_url=url, embedding_model=args.model)
    with TestClient(create_app(settings, store)) as client:
        for path in ("/map/data.json", "/trends", "/map", "/trends?category=cs.LG"):
            first, cached, size = timed_get(client, path, args.runs)
            rows.append((f"GET {path}: first / cached (median of {args.runs})",
                         f"{first:.0f} ms / {cached:.1f} ms ({first / cached:.0f}x), "
                         f"{size / 1e3:.0f} kB sent"))
    from paperfeed.web.trendviews import trends_page

    start = time.perf_counter()
    trends_page(store)
    rows.append(("/trends data from the store (no cache)",
                 f"{(time.perf_counter() - start) * 1000:.0f} ms"))

    publish(rows, "Corpus map and trends at 99 k",
           "--db <copy of corpus99k-minilm-static-256.db>", args.write)


def publish(rows: list[tuple[str, str]], title: str, options: str, write: bool) -> None:
    load = os.getloadavg()[0]
    table = ["| step | result |", "|---|---|", *[f"| {a} | {b} |" for a, b in rows]]
    head = (f"\n\n## {title} ({datetime.now(UTC):%Y-%m-%d})\n\n"
            f"`nice -n 10 .venv/bin/python bench/map.py {options}`; machine: "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}, load average {load:.1f} at the end (shared with other "
            f"work: wall times inflate, CPU seconds less).\n\n")
    print(head + "\n".join(table))
    if write:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(head + "\n".join(table) + "\n")


if __name__ == "__main__":
    main()
