"""Probe: plain BM25 from tantivy (block-max WAND) over a paperfeed database, as the keyword
side's possible candidate index at scale. Not a paperfeed dependency: run it from a scratch
venv with only `pip install tantivy==0.27.0` (it reads the SQLite file with the stdlib).

One text field (title. abstract), tantivy's en_stem tokenizer, every query word OR-ed
(letters and digits only; and/or/not/to dropped as the query parser reads them as operators);
MRR@10 of the known-item sets of bench/relevance_99k.py, with --copies for
bench/search_latency.py's 1 M database (an answer's generated variants "ID-vKx" count).

    python bench/tantivy_probe.py --db CORPUS.db --index /tmp/tv [--copies 10]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import statistics
import time
from pathlib import Path

import tantivy  # type: ignore[import-not-found]

REPO = Path(__file__).resolve().parent.parent
SETS = {"held2": REPO / "bench" / "heldout_99k_b.jsonl",
        "held": REPO / "bench" / "heldout_99k.jsonl",
        "dev": REPO.parent / "shared" / "data" / "dev_queries_99k.jsonl"}
OPERATORS = {"and", "or", "not", "to"}


def build(db: Path, path: Path) -> tantivy.Index:
    schema = tantivy.SchemaBuilder()
    schema.add_text_field("id", stored=True, tokenizer_name="raw")
    schema.add_text_field("body", stored=False, tokenizer_name="en_stem")
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema.build(), path=str(path))
    if index.searcher().num_docs:
        return index
    writer = index.writer(heap_size=500_000_000, num_threads=1)
    started, n = time.perf_counter(), 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for pid, title, abstract in conn.execute("SELECT id, title, abstract FROM papers"):
        writer.add_document(tantivy.Document(id=pid, body=f"{title}. {abstract}"))
        n += 1
    writer.commit()
    writer.wait_merging_threads()
    print(f"indexed {n:,} papers in {time.perf_counter() - started:.0f} s")
    index.reload()
    return index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True, help="where the tantivy index is kept")
    ap.add_argument("--copies", type=int, default=1)
    args = ap.parse_args()
    index = build(args.db, args.index)
    searcher = index.searcher()
    for name, path in SETS.items():
        if not path.exists():
            continue
        ranks, times = [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            answers = set(row["relevant"]) | {f"{r}-v{k}x" for r in row["relevant"]
                                              for k in range(1, args.copies)}
            words = [w for w in re.findall(r"[A-Za-z0-9]+", row["q"])
                     if w.lower() not in OPERATORS]
            started = time.perf_counter()
            hits = searcher.search(index.parse_query(" ".join(words), ["body"]), 10).hits
            ids = [searcher.doc(address)["id"][0] for _, address in hits]
            times.append((time.perf_counter() - started) * 1000)
            ranks.append(next((1 / n for n, i in enumerate(ids, 1) if i in answers), 0.0))
        times.sort()
        print(f"{name}: MRR@10 {sum(ranks) / len(ranks):.3f}, top 10 p50 "
              f"{statistics.median(times):.1f} ms, p99 {times[int(len(times) * 0.99)]:.1f} ms")


if __name__ == "__main__":
    main()
