"""Similar papers by the keyword index or by the database's full text: how close, how fast.

A paper page shows the papers most like it: nearest vectors fused with a keyword query of the
paper's salient words (rank/similar.py). A big archive answers the keyword side from its
keyword index; a small one from the database's full text (rare words alone, common ones as one
group). This runs both on the same random papers and judges their top 10 by a model the
ranking did not use: the mean cosine of the paper and each similar paper by --judge-model's
vectors (from --judge-db, a database holding them for the same papers), and the share with the
paper's primary category. CPU per call is this process's time, both sides alternating. The
full text is run once per --budgets value (papers its rarer words may match before the
commoner ones are asked together; rank/similar.py word_groups).

    python bench/similar_papers.py --db 99k.db --model minilm-static-256 \
        --judge-db corpus99k-minilm-l6-v2.db --judge-model minilm-l6-v2 --papers 200
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import mean

import numpy as np

from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.index.keyword_index import keyword_index_for
from paperfeed.index.vectors import index_for
from paperfeed.rank import similar as similar_module
from paperfeed.rank.search import READ_BUDGET
from paperfeed.store import Store, open_store


@contextmanager
def full_text_only(budget: int) -> Iterator[None]:
    """similar_ranked as a store without a keyword index runs it, with this word budget."""
    setattr(similar_module, "keyword_index_for", lambda store: None)  # noqa: B010
    setattr(similar_module, "READ_BUDGET", budget)  # noqa: B010
    try:
        yield
    finally:
        setattr(similar_module, "keyword_index_for", keyword_index_for)  # noqa: B010
        setattr(similar_module, "READ_BUDGET", READ_BUDGET)  # noqa: B010


def sample(db: Path, n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    with sqlite3.connect(db) as conn:
        top = conn.execute("SELECT max(rowid) FROM papers").fetchone()[0]
        rows = (conn.execute("SELECT id FROM papers WHERE rowid = ?",
                             (rng.randrange(1, top + 1),)).fetchone() for _ in range(n))
        return [r[0] for r in rows if r]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--model", default="minilm-static-256")
    ap.add_argument("--judge-db", type=Path, required=True)
    ap.add_argument("--judge-model", default="minilm-l6-v2")
    ap.add_argument("--papers", type=int, default=200)
    ap.add_argument("--budgets", default=f"5000,{READ_BUDGET}",
                    help="full-text word budgets to compare, comma-separated")
    args = ap.parse_args()
    store = open_store(f"sqlite:///{args.db}")
    if keyword_index_for(store) is None:
        raise SystemExit(f"{args.db} has no keyword index: run `paperfeed index --only keyword`")
    embedder = load_embedder(args.model)
    judge = index_for(open_store(f"sqlite:///{args.judge_db}"), args.judge_model)
    ids = sample(args.db, args.papers)
    sides: list[tuple[str, int | None]] = [("keyword index", None), *(
        (f"full text, budget {int(b):,}", int(b)) for b in args.budgets.split(","))]
    for pid in ids[:5]:  # warm both sides' caches
        run(store, pid, embedder)
        with full_text_only(READ_BUDGET):
            run(store, pid, embedder)
    rows: dict[str, dict[str, list[float]]] = {}
    for pid in ids:
        paper = store.get_paper(pid)
        vector = judge.vector(pid)
        if paper is None or vector is None:
            continue
        for side, budget in sides:
            for model in (embedder, None):
                name = f"{side}, {'with vectors' if model else 'keyword side alone'}"
                out = rows.setdefault(name, {"cosine": [], "category": [], "cpu": []})
                with full_text_only(budget) if budget else _nothing():
                    started = time.process_time()
                    found = run(store, pid, model)
                    out["cpu"].append((time.process_time() - started) * 1000)
                sims = judge.scores(vector, found)
                out["cosine"].append(float(np.mean([sims[i] for i in found if i in sims])))
                cats = [p.primary_category == paper.primary_category
                        for p in store.get_papers(found)]
                out["category"].append(float(np.mean(cats)) if cats else 0.0)
    print(f"`python bench/similar_papers.py --db {args.db.name} --model {args.model} "
          f"--judge-db {args.judge_db.name} --judge-model {args.judge_model} --papers "
          f"{args.papers} --budgets {args.budgets}`: "
          f"{len(rows['keyword index, with vectors']['cpu'])} papers; "
          f"{platform.python_version()}, {_cpus()} CPUs\n")
    print(f"| similar papers (top 10) | mean {args.judge_model} cosine | same primary category "
          "| CPU ms per call (median) |")
    print("|---|---:|---:|---:|")
    for name, out in rows.items():
        print(f"| {name} | {mean(out['cosine']):.3f} | {mean(out['category']):.3f} | "
              f"{float(np.median(out['cpu'])):.1f} |")


def run(store: Store, pid: str, embedder: Embedder | None) -> list[str]:
    paper = store.get_paper(pid)
    assert paper is not None
    return [i for i, _ in similar_module.similar_ranked(store, paper, limit=10,
                                                        embedder=embedder)]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _cpus() -> int:
    import os
    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
