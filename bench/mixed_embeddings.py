"""Search quality while the best model replaces the fast one: static for every paper, MiniLM
for the newest X % by listing day, each paper scored by its best vector (index/blend.py).

For each state: MRR@10 / Recall@10 of paperfeed semantic and hybrid search over
- the 99 k dev (../shared/data/dev_queries_99k.jsonl) and held-out (bench/heldout_99k.jsonl)
  queries, in a copy of --db (a database of the 99 k corpus holding both models' vectors for
  every paper; with --static-db, the fast model's vectors are copied in from there) whose
  MiniLM vectors are cut to the newest X % and renumbered in that order, as the worker would
  have stored them;
- the sample's dev and held-out sets over the 119 sample papers (bench/relevance.py's), the
  same cut by the order the worker embeds them.
States: static only (one model), each --fractions, MiniLM only (one model), and the naive
mix at each fraction (the two models' raw cosines compared directly), the baseline that
shows what the z-scores are for.

    .venv/bin/python bench/mixed_embeddings.py --db MINILM.db --static-db STATIC.db \\
        --work /tmp/mixed [--fractions 10,30,100] [--write]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from paperfeed.index import calibration, vectors
from paperfeed.index.blend import BlendIndex, load_models
from paperfeed.index.embedder import Embedder, paper_text
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.rank import search as rank_search
from paperfeed.rank.evaluate import Judged, Scores, evaluate, load_judged
from paperfeed.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from relevance import SHARED, machine  # noqa: E402

BEST, FAST = "minilm-l6-v2", "minilm-static-256"
NEWEST_FIRST = "ORDER BY day IS NULL, day DESC, id DESC"  # the worker's order (undated last)
MODES = ("semantic", "hybrid")


def cut(db: Path, fraction: float) -> None:
    """Keep MiniLM vectors for the newest `fraction` of papers only, numbered newest first."""
    conn = sqlite3.connect(db)
    total = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    keep = round(total * fraction)
    conn.execute("CREATE TEMP TABLE keep (id TEXT PRIMARY KEY, n INTEGER)")
    conn.execute(f"INSERT INTO keep SELECT id, row_number() OVER ({NEWEST_FIRST}) FROM papers "
                 f"{NEWEST_FIRST} LIMIT ?", (keep,))
    conn.execute("DELETE FROM embeddings WHERE model = ? AND paper_id NOT IN "
                 "(SELECT id FROM keep)", (BEST,))
    conn.execute("UPDATE embeddings SET seq = (SELECT n FROM keep WHERE keep.id = paper_id) "
                 "WHERE model = ?", (BEST,))
    conn.commit()
    conn.close()


def add_static(db: Path, static_db: Path) -> None:
    """Copy the fast model's vectors into db (once)."""
    conn = sqlite3.connect(db)
    if not conn.execute("SELECT 1 FROM embeddings WHERE model = ? LIMIT 1", (FAST,)).fetchone():
        conn.execute("ATTACH DATABASE ? AS s", (f"file:{static_db}?mode=ro",))
        conn.execute("INSERT INTO embeddings SELECT * FROM s.embeddings WHERE model = ?", (FAST,))
        conn.commit()
    conn.close()


def run_for(store: Store, embedder: Embedder, mode: str) -> Callable[[str], Sequence[str]]:
    return lambda q: [h.paper.id for h in rank_search.search(
        store, q, mode=mode, limit=10, embedder=embedder).hits]


def measure(store: Store, embedder: Embedder, sets: list[tuple[str, list[Judged]]],
            naive: bool = False) -> dict[str, tuple[Scores, float]]:
    """(MRR, ms per query) per set and mode, for one state of the store."""
    vectors._cache.clear()
    calibration.forget()
    BlendIndex.raw = naive
    out = {}
    try:
        for title, queries in sets:
            for mode in MODES:
                started = time.perf_counter()
                scores = evaluate(run_for(store, embedder, mode), queries)["all"]
                ms = (time.perf_counter() - started) * 1000 / max(1, len(queries))
                out[f"{title} {mode}"] = (scores, ms)
    finally:
        BlendIndex.raw = False
    return out


def sample_store(path: Path, models: dict[str, Embedder], fraction: float) -> Store:
    """The 119 sample papers with every fast vector and the best for the first `fraction` in
    the worker's order."""
    store = open_store(f"sqlite:///{path}")
    import_records(store, read_jsonl(REPO / "data" / "sample_papers.jsonl"), source=SOURCE)
    pending = store.pending_embeddings(FAST, limit=10_000)
    texts = [paper_text(p.title, p.abstract) for p in pending]
    store.put_embeddings(FAST, [p.id for p in pending], models[FAST].embed(texts))
    keep = round(len(pending) * fraction)
    if keep:
        store.put_embeddings(BEST, [p.id for p in pending[:keep]],
                             models[BEST].embed(texts[:keep]))
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--static-db", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mixed-bench")
    ap.add_argument("--fractions", default="10,30,100")
    ap.add_argument("--skip-99k", action="store_true")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    started = time.time()
    fractions = [float(f) / 100 for f in args.fractions.split(",")]
    blend = load_models(BEST, FAST)
    single = {m.name: m for m in blend.models}  # type: ignore[attr-defined]
    big_sets = [("99k dev", load_judged(SHARED / "dev_queries_99k.jsonl")),
                ("99k held-out", load_judged(REPO / "bench" / "heldout_99k.jsonl"))]
    small_sets = [("sample dev", load_judged(SHARED / "dev_queries.jsonl")),
                  ("sample held-out", load_judged(REPO / "bench" / "heldout_queries.jsonl"))]
    rows: dict[str, dict[str, tuple[Scores, float]]] = {}
    args.work.mkdir(parents=True, exist_ok=True)
    states = [("static only", 0.0, single[FAST], False)]
    states += [(f"mixed: MiniLM newest {f:.0%}", f, blend, False) for f in fractions]
    states += [(f"naive mix (raw cosines): MiniLM newest {f:.0%}", f, blend, True)
               for f in fractions if f < 1.0]
    states += [("MiniLM only", 1.0, single[BEST], False)]
    for name, fraction, embedder, naive in states:
        result: dict[str, tuple[Scores, float]] = {}
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            small = sample_store(Path(tmp) / "sample.db", single, fraction)
            result |= measure(small, embedder, small_sets, naive)
            small.close()
        if not args.skip_99k:
            db = args.work / "state.db"
            shutil.copyfile(args.db, db)
            if args.static_db is not None:
                add_static(db, args.static_db)
            cut(db, fraction)
            big = open_store(f"sqlite:///{db}")
            result |= measure(big, embedder, big_sets, naive)
            big.close()
            db.unlink()
        rows[name] = result
        print(name, {k: round(v[0].mrr, 3) for k, v in result.items()}, flush=True)
    report = table(rows)
    print(report)
    if args.write:
        header = (f"\n\n## Mixed embeddings — {datetime.now(UTC):%Y-%m-%d}\n\n"
                  f"Command: `{' '.join(['python', *sys.argv])}`  \nMachine: {machine()}  \n"
                  f"Run time: {time.time() - started:.0f} s\n\n")
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(header + report + "\n")


def table(rows: dict[str, dict[str, tuple[Scores, float]]]) -> str:
    columns = list(dict.fromkeys(c for r in rows.values() for c in r))
    lines = ["MRR@10 (Recall@10) per query set and mode; ms per query in the last column "
             "(99 k hybrid, one process, warm, shared machine)", "",
             "| state | " + " | ".join(columns) + " | ms |", "|---" * (len(columns) + 2) + "|"]
    for name, result in rows.items():
        cells = [f"{result[c][0].mrr:.3f} ({result[c][0].recall:.2f})" if c in result else "-"
                 for c in columns]
        ms = next((f"{v[1]:.0f}" for k, v in result.items() if k == "99k dev hybrid"), "-")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ms} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
