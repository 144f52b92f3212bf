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
States: static only (one model), each --fractions, MiniLM only (one model), and at each
fraction below 100 % the other scalings of --also: `raw`, the naive mix (the two models' raw
cosines compared directly, the baseline that shows what calibration is for) and `z` (each
model's own z-score against the sample, where the default anchors the fast model's scale to
the best model's z at the sample's mean and 99th percentile; index/blend.py).
When no database of the whole corpus with MiniLM exists, --subset-from builds --db from a
partly embedded one (see make_subset).

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
from pathlib import Path

from paperfeed.index import calibration, vectors
from paperfeed.index.blend import BlendIndex, load_models
from paperfeed.index.build import refresh_vocabulary
from paperfeed.index.embedder import Embedder, paper_text
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.rank import search as rank_search
from paperfeed.rank.evaluate import Judged, Scores, evaluate, load_judged
from paperfeed.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from relevance import SHARED, append_results  # noqa: E402

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


def make_subset(out: Path, mixed: Path, sets: list[list[Judged]]) -> None:
    """A database of the papers that have MiniLM vectors in `mixed` plus every query's
    answers, with both models' vectors for all: MiniLM's copied from `mixed` where it has
    them, embedded here for the rest (a few hundred answers), the static model's by
    `paperfeed index`. For when no database of the whole corpus with MiniLM exists."""
    from paperfeed.index.build import build_index
    from paperfeed.index.embedder import load_embedder

    src = sqlite3.connect(f"file:{mixed}?mode=ro", uri=True)
    keep = {str(r[0]) for r in src.execute("SELECT paper_id FROM embeddings WHERE model = ?",
                                           (BEST,))}
    src.close()
    keep |= {pid for queries in sets for q in queries for pid in q.relevant}
    records = [r for source in (SHARED / "arxiv_corpus.jsonl.gz",
                                REPO / "data" / "sample_papers.jsonl")
               for r in read_jsonl(source) if getattr(r, "id", None) in keep]
    store = open_store(f"sqlite:///{out}")
    import_records(store, records, source=SOURCE)
    build_index(store, load_embedder(FAST), batch_size=512)
    conn = store.conn()  # type: ignore[attr-defined]
    conn.execute("ATTACH DATABASE ? AS m", (f"file:{mixed}?mode=ro",))
    conn.execute("INSERT INTO embeddings SELECT e.* FROM m.embeddings e JOIN papers p "
                 "ON p.id = e.paper_id WHERE e.model = ?", (BEST,))
    conn.commit()
    conn.execute("DETACH DATABASE m")
    build_index(store, load_embedder(BEST))
    store.close()


def run_for(store: Store, embedder: Embedder, mode: str) -> Callable[[str], Sequence[str]]:
    return lambda q: [h.paper.id for h in rank_search.search(
        store, q, mode=mode, limit=10, embedder=embedder).hits]


def measure(store: Store, embedder: Embedder, sets: list[tuple[str, list[Judged]]],
            scaling: str = "tail") -> dict[str, tuple[Scores, float]]:
    """(MRR, ms per query) per set and mode, for one state of the store; scaling: BlendIndex's
    (tail: the default; z; raw: the naive mix)."""
    vectors._cache.clear()
    calibration.forget()
    BlendIndex.scaling = scaling
    out = {}
    try:
        for title, queries in sets:
            for mode in MODES:
                started = time.perf_counter()
                scores = evaluate(run_for(store, embedder, mode), queries)["all"]
                ms = (time.perf_counter() - started) * 1000 / max(1, len(queries))
                out[f"{title} {mode}"] = (scores, ms)
    finally:
        BlendIndex.scaling = "tail"
    return out


def sample_store(path: Path, models: dict[str, Embedder], fraction: float) -> Store:
    """The 119 sample papers with every fast vector and the best for the first `fraction` in
    the worker's order."""
    store = open_store(f"sqlite:///{path}")
    import_records(store, read_jsonl(REPO / "data" / "sample_papers.jsonl"), source=SOURCE)
    refresh_vocabulary(store)  # word weights and spelling, as `paperfeed index` counts them
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
    ap.add_argument("--as-is", action="store_true",
                    help="measure --db as stored (its own mix) with each scaling, no cuts")
    ap.add_argument("--also", default="raw,z",
                    help="other scalings to run at each fraction below 100 (raw: the naive mix)")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--subset-from", type=Path, default=None,
                    help="first build --db from this partly MiniLM-embedded database")
    args = ap.parse_args()
    started = time.time()
    fractions = [float(f) / 100 for f in args.fractions.split(",")]
    blend = load_models(BEST, FAST)
    single = {m.name: m for m in blend.models}  # type: ignore[attr-defined]
    big_sets = [("corpus dev", load_judged(SHARED / "dev_queries_99k.jsonl")),
                ("corpus held-out", load_judged(REPO / "bench" / "heldout_99k.jsonl"))]
    small_sets = [("sample dev", load_judged(SHARED / "dev_queries.jsonl")),
                  ("sample held-out", load_judged(REPO / "bench" / "heldout_queries.jsonl"))]
    if args.as_is:  # the --db as it stands: one mixed state, each scaling
        store = open_store(f"sqlite:///{args.db}")
        rows = {"static only": measure(store, single[FAST], big_sets)}
        rows |= {f"mixed as stored, {s}": measure(store, blend, big_sets, s)
                 for s in ("tail", *args.also.split(","))}
        print(table(rows))
        return
    if args.subset_from is not None and not args.db.exists():
        make_subset(args.db, args.subset_from,
                    [q for _, q in big_sets] + [q for _, q in small_sets])
    rows: dict[str, dict[str, tuple[Scores, float]]] = {}
    args.work.mkdir(parents=True, exist_ok=True)
    states = [("static only", 0.0, single[FAST], "tail")]
    states += [(f"mixed: MiniLM newest {f:.0%}", f, blend, "tail") for f in fractions]
    states += [(f"mixed, {scaling}: MiniLM newest {f:.0%}", f, blend, scaling)
               for scaling in args.also.split(",") if scaling
               for f in fractions if f < 1.0]
    states += [("MiniLM only", 1.0, single[BEST], "tail")]
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
    with sqlite3.connect(args.db) as conn:
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    report = f"--db: {papers:,} papers\n\n" + table(rows)
    print(report)
    if args.write:
        append_results("Mixed embeddings", report, started)


def table(rows: dict[str, dict[str, tuple[Scores, float]]]) -> str:
    columns = list(dict.fromkeys(c for r in rows.values() for c in r))
    lines = ["MRR@10 (Recall@10) per query set and mode; ms per query in the last column "
             "(corpus dev hybrid, one process, warm, shared machine); corpus: --db's papers",
             "",
             "| state | " + " | ".join(columns) + " | ms |", "|---" * (len(columns) + 2) + "|"]
    for name, result in rows.items():
        cells = [f"{result[c][0].mrr:.3f} ({result[c][0].recall:.2f})" if c in result else "-"
                 for c in columns]
        ms = next((f"{v[1]:.0f}" for k, v in result.items() if k == "corpus dev hybrid"), "-")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ms} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
