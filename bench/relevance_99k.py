"""Relevance of search over the 99 k corpus, against plain BM25 peers run in the same process.

Query sets (known-item: each query has one answer), by kind:
- ../shared/data/dev_queries_99k.jsonl: 150 queries written from corpus papers (paraphrase,
  keyword, misspelled); tuned on.
- bench/heldout_99k.jsonl: 60 descriptive queries written from seeded random corpus papers
  before looking at how search ranks; never tuned on.
- bench/heldout_99k_b.jsonl: 44 more, written the same way from other seeded random papers
  (none in the sets above), frozen before any run; never tuned on.
- ../shared/data/dev_queries.jsonl and bench/heldout_queries.jsonl: the sample papers' queries,
  now answered inside the 99 k corpus.

Runs: paperfeed keyword / semantic / hybrid (rank.search), plain FTS5 (every query word OR-ed,
bm25() with its default weights), bm25s (Snowball-stemmed, English stop words; a bench-only
dependency), exact cosine, and the convex mix of min-max normalised plain BM25 and cosine
(weight 0.5, the top 100 of each side, each side's papers given the other side's real score).

The database is one built by `paperfeed ingest jsonl` + `paperfeed index` (the corpus plus the
sample papers); it is only read.

    .venv/bin/python bench/relevance_99k.py --db CORPUS.db \
        --model minilm-static-256 [--write]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from paperfeed.index.embedder import Embedder, load_embedder
from paperfeed.index.keyword_index import keyword_index_for
from paperfeed.index.vectors import VectorIndex, index_for
from paperfeed.rank import search as rank_search
from paperfeed.rank.evaluate import Judged, Scores, evaluate, load_judged
from paperfeed.rank.fusion import minmax
from paperfeed.store import Store, open_store
from paperfeed.store.terms import words

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from relevance import SHARED, machine, no_keyword_index, table  # noqa: E402

Run = Callable[[str], Sequence[str]]
DEPTH = 100


class Peers:
    """Plain BM25 (FTS5 and bm25s), exact cosine and their convex mix over one store."""

    def __init__(self, store: Store, embedder: Embedder, bm25s_dir: Path) -> None:
        self.store, self.embedder, self.bm25s_dir = store, embedder, bm25s_dir
        self.index: VectorIndex = index_for(store, embedder.name)
        self.conn = store.conn()  # type: ignore[attr-defined]
        self._bm25s: tuple[object, list[str], object] | None = None

    def fts_or(self, q: str, k: int = 10) -> list[tuple[str, float]]:
        tokens = list(dict.fromkeys(words(q)))
        if not tokens:
            return []
        expr = " OR ".join(f'"{t}"' for t in tokens)
        rows = self.conn.execute(
            "SELECT p.id, -f.s FROM (SELECT rowid, bm25(papers_fts) AS s FROM papers_fts "
            "WHERE papers_fts MATCH ? ORDER BY s LIMIT ?) f JOIN papers p ON p.rowid = f.rowid "
            "ORDER BY f.s", (expr, k))
        return [(str(a), float(b)) for a, b in rows]

    def dense(self, q: str, k: int = 10) -> list[tuple[str, float]]:
        return self.index.search(self.embedder.embed([q])[0], k)

    def convex(self, q: str, k: int = 10, weight: float = 0.5) -> list[str]:
        vector = self.embedder.embed([q])[0]
        sparse = dict(self.fts_or(q, DEPTH))
        dense = dict(self.index.search(vector, DEPTH))
        dense.update(self.index.scores(vector, [p for p in sparse if p not in dense]))
        ids = list(dict.fromkeys([*dense, *sparse]))
        d = minmax({p: dense.get(p, min(dense.values())) for p in ids})
        s = minmax({p: sparse.get(p, 0.0) for p in ids})
        return sorted(ids, key=lambda p: -(weight * d[p] + (1 - weight) * s[p]))[:k]

    def _load_bm25s(self, cache: Path) -> tuple[object, list[str], object]:
        """bm25s's index of the store (built once into cache), imported only when asked for."""
        import bm25s
        import Stemmer

        stemmer = Stemmer.Stemmer("english")
        rows = self.conn.execute("SELECT id, title, abstract FROM papers ORDER BY rowid").fetchall()
        ids = [str(r[0]) for r in rows]
        if (cache / "params.index.json").exists():
            retriever = bm25s.BM25.load(str(cache))
        else:
            tokens = bm25s.tokenize([f"{r[1]} {r[2]}" for r in rows], stopwords="en",
                                    stemmer=stemmer, show_progress=False)
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            retriever.save(str(cache))
        return retriever, ids, stemmer

    def bm25s(self, q: str, k: int = 10) -> list[str]:
        import bm25s

        if self._bm25s is None:
            self._bm25s = self._load_bm25s(self.bm25s_dir)
        retriever, ids, stemmer = self._bm25s
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        docs, _ = retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)  # type: ignore[attr-defined]
        return [ids[int(i)] for i in np.asarray(docs)[0]]


class PgPeers:
    """Plain PostgreSQL full text over the same papers: every query word OR-ed in a tsquery
    (the store's own text search configuration: Snowball stems, no stop words dropped),
    ranked by ts_rank or ts_rank_cd with their default weights over the stored tsvector
    (title A, abstract B, authors C)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def ranked(self, q: str, fn: str, k: int = 10) -> list[str]:
        tokens = [t for t in dict.fromkeys(words(q)) if t.isalnum()]
        if not tokens:
            return []
        expr = " | ".join(f"'{t}'" for t in tokens)
        rows = self.conn.execute(
            f"SELECT id FROM papers, to_tsquery('paperfeed', %s) q WHERE search_vector @@ q "
            f"ORDER BY {fn}(search_vector, q) DESC, id LIMIT %s", (expr, k)).fetchall()
        return [str(r[0]) for r in rows]


def pg_runs(store: Store, embedder: Embedder, peers: PgPeers) -> dict[str, Run]:
    def mode(name: str) -> Run:
        return lambda q: [h.paper.id for h in rank_search.search(
            store, q, mode=name, limit=10, embedder=embedder).hits]

    return {"paperfeed keyword (PostgreSQL)": mode("keyword"),
            "paperfeed semantic (PostgreSQL)": mode("semantic"),
            "paperfeed hybrid (PostgreSQL)": mode("hybrid"),
            "PostgreSQL OR, ts_rank": lambda q: peers.ranked(q, "ts_rank"),
            "PostgreSQL OR, ts_rank_cd": lambda q: peers.ranked(q, "ts_rank_cd")}


def runs(store: Store, embedder: Embedder, peers: Peers) -> dict[str, Run]:
    def mode(name: str) -> Run:
        return lambda q: [h.paper.id for h in rank_search.search(
            store, q, mode=name, limit=10, embedder=embedder).hits]

    out: dict[str, Run] = {"paperfeed keyword": mode("keyword"),
                           "paperfeed semantic": mode("semantic"),
                           "paperfeed hybrid": mode("hybrid")}
    out["plain FTS5 OR, bm25()"] = lambda q: [p for p, _ in peers.fts_or(q)]
    if importlib.util.find_spec("bm25s") is not None:  # a bench-only dependency
        out["bm25s (stemmed, stop words)"] = peers.bm25s
    out["cosine (exact)"] = lambda q: [p for p, _ in peers.dense(q)]
    out["convex mix: BM25 + cosine, min-max, 0.5"] = peers.convex
    return out


def without_keyword_index(run: Run) -> Run:
    """run over the database's full text (relevance.no_keyword_index)."""
    def wrapped(q: str) -> Sequence[str]:
        with no_keyword_index():
            return run(q)

    return wrapped


def timed(run: Run, queries: list[Judged],
          ranks: dict[str, int] | None = None) -> tuple[dict[str, Scores], float]:
    """Scores of run over queries and its mean ms per query; ranks (if given) gets each
    query's rank of its first answer (0: not in the top 10)."""
    def recorded(q: str) -> Sequence[str]:
        found = run(q)
        if ranks is not None:
            answers = next(j.relevant for j in queries if j.q == q)
            ranks[q] = next((n for n, p in enumerate(found[:10], 1) if p in answers), 0)
        return found

    started = time.perf_counter()
    scores = evaluate(recorded, queries)
    return scores, (time.perf_counter() - started) * 1000 / max(1, len(queries))


SETS = {"dev": ("99 k dev (dev_queries_99k.jsonl, tuned on)", SHARED / "dev_queries_99k.jsonl"),
        "held": ("99 k held-out (heldout_99k.jsonl, never tuned on)",
                 REPO / "bench" / "heldout_99k.jsonl"),
        "held2": ("99 k second held-out (heldout_99k_b.jsonl, never tuned on)",
                  REPO / "bench" / "heldout_99k_b.jsonl"),
        "sdev": ("sample dev queries inside 99 k (dev_queries.jsonl)",
                 SHARED / "dev_queries.jsonl"),
        "sheld": ("sample held-out inside 99 k (heldout_queries.jsonl)",
                  REPO / "bench" / "heldout_queries.jsonl")}


def with_copies(queries: list[Judged], copies: int) -> list[Judged]:
    """queries whose answers' generated variants (search_latency.py's ids: "ID-vKx") count
    too: known-item relevance at a million papers, where every answer has near-copies."""
    if copies <= 1:
        return queries
    return [replace(j, relevant=frozenset(
        {*j.relevant, *(f"{pid}-v{k}x" for pid in j.relevant for k in range(1, copies))}))
        for j in queries]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=Path("corpus.db"),
                    help="a database of the corpus and the sample papers, indexed with --model")
    ap.add_argument("--model", default="minilm-static-256")
    ap.add_argument("--bm25s-cache", type=Path, default=None,
                    help="where the bm25s index is kept (default: next to --db)")
    ap.add_argument("--only", default="", help="comma-separated run names to keep")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {list(SETS)}")
    ap.add_argument("--ranks", type=Path, default=None,
                    help="write each query's rank of its answer per set and run (JSON)")
    ap.add_argument("--pg", default="",
                    help="a PostgreSQL URL holding the same papers (paperfeed migrate-db): "
                         "paperfeed's modes through it, and ts_rank / ts_rank_cd peers")
    ap.add_argument("--copies", type=int, default=1,
                    help="the database is bench/search_latency.py's --size 1000000 one: each "
                         "answer's N-1 generated variants count as answers too")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    started = time.time()
    embedder = load_embedder(args.model)
    if args.pg:
        store = open_store(args.pg)
        chosen = pg_runs(store, embedder, PgPeers(args.pg))
    else:
        store = open_store(f"sqlite:///{args.db}")
        cache = args.bm25s_cache or args.db.with_suffix(".bm25s")
        chosen = runs(store, embedder, Peers(store, embedder, cache))
    if keyword_index_for(store) is not None:  # the same modes over the database's full text
        chosen |= {f"{name} (no keyword index)": without_keyword_index(run)
                   for name, run in list(chosen.items())
                   if name.startswith(("paperfeed keyword", "paperfeed hybrid"))}
    if args.only:
        chosen = {k: v for k, v in chosen.items() if any(o in k for o in args.only.split(","))}
    parts = []
    ranks: dict[str, dict[str, dict[str, int]]] = {}
    for key in args.sets.split(","):
        title, path = SETS[key]
        queries = with_copies(load_judged(path), args.copies)
        results, ms = {}, {}
        for name, run in chosen.items():
            kept = ranks.setdefault(key, {}).setdefault(name, {})
            results[name], ms[name] = timed(run, queries, kept)
        parts.append(table(f"{title}, {store.count_papers():,} papers, {args.model}", results)
                     + "\n\nMean ms per query (one process, warm): "
                     + ", ".join(f"{k} {v:.1f}" for k, v in ms.items()))
        print(parts[-1] + "\n", flush=True)
    if args.ranks:
        args.ranks.write_text(json.dumps(ranks, indent=1), encoding="utf-8")
    if args.write:
        header = (f"\n\n## Relevance at 99 k — {datetime.now(UTC):%Y-%m-%d}\n\n"
                  f"Command: `{' '.join(['python', *sys.argv])}`  \nMachine: {machine()}  \n"
                  f"Run time: {time.time() - started:.0f} s\n\n")
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(header + "\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
