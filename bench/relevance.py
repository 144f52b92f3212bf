"""Relevance of search: MRR@10, Recall@10, nDCG@10 per query kind and mode.

1. Judged dev queries (../shared/data/dev_queries.jsonl) over the sample papers, for keyword,
   semantic, hybrid and a reciprocal-rank-fusion baseline (k=60) computed in the same run,
   plus hybrid at several dense weights (to show how flat the optimum is); the same for
   bench/heldout_queries.jsonl (48 queries written blind to the dev set and the code; a check
   against tuning to the dev set, never tuned on).
2. Recommendations: for each topic query with several relevant papers, each one as the
   "liked" paper; the others should come first (for_you / similar papers).
3. Known-item search over the 99,188 real papers of ../shared/data/arxiv_corpus.jsonl.gz:
   a seeded sample of papers, queried by their title and by their abstract's first sentence.
   The corpus database is built once into --cache (ingest + index, minutes with the static
   model; hours with MiniLM on 2 cores) and reused.

    .venv/bin/python bench/relevance.py [--known-items 300] [--big-model minilm-static-256]
                                        [--write]
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from paperfeed.index.build import build_index
from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.ingest.jsonl import SOURCE, read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.rank import search as rank_search
from paperfeed.rank.evaluate import Judged, Scores, evaluate, load_judged
from paperfeed.rank.foryou import for_you
from paperfeed.rank.fusion import rrf
from paperfeed.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent
SHARED = next((d for d in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data")
               if d.exists()), REPO.parent / "shared" / "data")  # a clone, or a worktree
Run = Callable[[str], Sequence[str]]


def corpus_store(path: Path, source: Path, embedder: Embedder) -> Store:
    """A store holding source, indexed with embedder (built once, then reused)."""
    store = open_store(f"sqlite:///{path}")
    if store.count_papers() == 0:
        import_records(store, read_jsonl(source), source=SOURCE)
    pending = store.count_pending_embeddings(embedder.name)
    if pending:
        print(f"indexing {pending} papers of {source.name} with {embedder.name} ...",
              file=sys.stderr)
        build_index(store, embedder, batch_size=256)
    return store


def runs(store: Store, embedder: Embedder) -> dict[str, Run]:
    def mode(name: str, **kw: float) -> Run:
        return lambda q: [h.paper.id for h in rank_search.search(store, q, mode=name, limit=10,
                                                       embedder=embedder, **kw).hits]

    def rrf_run(q: str) -> list[str]:
        kw = [h.paper.id for h in rank_search.search(store, q, mode="keyword", limit=100).hits]
        dense = [h.paper.id for h in
                 rank_search.search(store, q, mode="semantic", limit=100, embedder=embedder).hits]
        return [pid for pid, _ in rrf([kw, dense])][:10]

    return {"keyword": mode("keyword"), "semantic": mode("semantic"),
            f"hybrid (w={rank_search.DENSE_WEIGHT})": mode("hybrid"),
            "rrf k=60 (baseline)": rrf_run}


def table(title: str, results: dict[str, dict[str, Scores]]) -> str:
    kinds = sorted({k for r in results.values() for k in r}, key=lambda k: (k == "all", k))
    head = "| mode | " + " | ".join(f"{k} (n={next(iter(results.values()))[k].n})"
                                      for k in kinds) + " |"
    lines = [f"**{title}** — MRR@10 / Recall@10 / nDCG@10", "", head,
             "|---" * (len(kinds) + 1) + "|"]
    for name, res in results.items():
        cells = [f"{res[k].mrr:.3f} / {res[k].recall:.3f} / {res[k].ndcg:.3f}" for k in kinds]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def weight_sweep(store: Store, embedder: Embedder, queries: list[Judged]) -> str:
    cells = []
    for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        res = evaluate(lambda q, w=w: [h.paper.id for h in rank_search.search(
            store, q, limit=10, embedder=embedder, dense_weight=w).hits], queries)
        cells.append(f"w={w}: {res['all'].mrr:.3f}")
    return "Hybrid MRR@10 by dense weight: " + ", ".join(cells)


def recommendation_table(store: Store, embedder: Embedder, queries: list[Judged]) -> str:
    """Each relevant paper of a multi-paper topic as the liked one; MRR of the others."""
    cases = [(pid, q.relevant - {pid}) for q in queries if len(q.relevant) > 1
             for pid in sorted(q.relevant)]
    out = {}
    for name, emb in (("for_you(liked) with vectors", embedder),
                      ("for_you(liked), salient words only (no vectors)", None)):
        rr = []
        for liked, others in cases:
            ids = [h.paper.id for h in for_you(store, liked=[liked], limit=10, embedder=emb)]
            rr.append(next((1 / r for r, pid in enumerate(ids, 1) if pid in others), 0.0))
        out[name] = sum(rr) / len(rr)
    lines = [f"**Recommendations from one liked paper** ({len(cases)} cases: topic queries "
             "with several relevant papers) — MRR@10 of the other relevant papers", "",
             "| method | MRR@10 |", "|---|---|"]
    lines += [f"| {k} | {v:.3f} |" for k, v in out.items()]
    return "\n".join(lines)


def known_items(source: Path, n: int, seed: int = 0) -> list[Judged]:
    """n papers' titles and first abstract sentences as queries for those papers."""
    rows = [r for r in read_jsonl(source) if hasattr(r, "title")]
    sample = random.Random(seed).sample(rows, n)
    out = []
    for p in sample:
        first = re.split(r"(?<=[.!?])\s", p.abstract, maxsplit=1)[0]  # type: ignore[union-attr]
        out.append(Judged(p.title, frozenset([p.id]), "title"))  # type: ignore[union-attr]
        out.append(Judged(first[:300], frozenset([p.id]), "first sentence"))  # type: ignore[union-attr]
    return out


def append_results(title: str, report: str, started: float) -> None:
    """Append report to bench/RESULTS.md under a dated heading with the command, the machine
    and the run time (started: time.time() at the start)."""
    header = (f"\n\n## {title} — {datetime.now(UTC):%Y-%m-%d}\n\n"
              f"Command: `{' '.join(['python', *sys.argv])}`  \nMachine: {machine()}  \n"
              f"Run time: {time.time() - started:.0f} s\n\n")
    with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
        f.write(header + report + "\n")


@contextmanager
def no_keyword_index() -> Iterator[None]:
    """Search reads the database's full text inside, as an instance without a keyword index
    (index/keyword_index.py) does: the same-run baseline of the index."""
    from paperfeed.rank import acronyms

    saved = rank_search.keyword_index_for
    rank_search.keyword_index_for = acronyms.keyword_index_for = \
        lambda store: None  # type: ignore[assignment]
    try:
        yield
    finally:
        rank_search.keyword_index_for = acronyms.keyword_index_for = saved


def machine() -> str:
    import os

    return (f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.platform()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=Path, default=SHARED / "dev_queries.jsonl")
    ap.add_argument("--heldout", type=Path, default=REPO / "bench" / "heldout_queries.jsonl")
    ap.add_argument("--papers", type=Path, default=REPO / "data" / "sample_papers.jsonl")
    ap.add_argument("--model", default="minilm-l6-v2")
    ap.add_argument("--corpus", type=Path, default=SHARED / "arxiv_corpus.jsonl.gz")
    ap.add_argument("--big-model", default="minilm-static-256")
    ap.add_argument("--known-items", type=int, default=300, help="0 skips the 99k test")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "paperfeed-bench")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    started = time.time()
    embedder = load_embedder(args.model)
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        store = corpus_store(Path(tmp) / "sample.db", args.papers, embedder)
        queries = load_judged(args.queries)
        results = {name: evaluate(run, queries) for name, run in runs(store, embedder).items()}
        parts += [table(f"Dev queries over {args.papers.name} ({args.model})", results)]
        if args.heldout.exists():
            held = load_judged(args.heldout)
            parts.append(table(f"Held-out queries ({args.heldout.name}, written without seeing "
                               "the dev set or the code)",
                               {n: evaluate(r, held) for n, r in runs(store, embedder).items()}))
        parts += [weight_sweep(store, embedder, queries),
                  recommendation_table(store, embedder, queries)]
        store.close()
    if args.known_items and args.corpus.exists():
        big_embedder = load_embedder(args.big_model)
        args.cache.mkdir(parents=True, exist_ok=True)
        big = corpus_store(args.cache / f"corpus-{args.big_model}.db", args.corpus, big_embedder)
        items = known_items(args.corpus, args.known_items)
        results = {name: evaluate(run, items) for name, run in runs(big, big_embedder).items()}
        parts.append(table(f"Known-item search over {big.count_papers():,} real papers "
                           f"({args.known_items} papers, {args.big_model})", results))
    report = "\n\n".join(parts)
    print(report)
    if args.write:
        append_results("Relevance", report, started)


if __name__ == "__main__":
    main()
