"""Card text: does the extractive summary pick the contribution sentence, and what do the
summary, keyphrases and author keys cost per 1,000 papers? Author pages at corpus size.

1. Summary quality, hand-judged: for 62 sample papers (data/sample_papers.jsonl, in file
   order) a reader marked which sentences of the abstract state the paper's contribution
   (LABELS). The first 40 were looked at while writing the rules (dev); the last 22 were
   labelled before the rules were run on them (held out). Baseline: the first sentence
   (lead-1). "background" counts picks that come before every acceptable sentence.
2. Cost: summary + keyphrases + author keys over the first --papers corpus records, per
   1,000 papers; YAKE (pip install yake) on the same texts when importable, for the ratio.
3. --db COPY_OF_99K.db: fills the author keys of every paper of a copy of a corpus database
   and times author pages (the store's author_profile) for the most prolific and random keys.

    python bench/cards.py [--papers 2000] [--db /tmp/corpus99k.db] [--write]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from paperfeed.config import load_settings
from paperfeed.index.authors import author_names
from paperfeed.index.build import refresh_vocabulary
from paperfeed.index.cards import idf_from, keyphrases, sentences, summary
from paperfeed.index.derive import derive_cards
from paperfeed.ingest.jsonl import read_jsonl
from paperfeed.ingest.run import import_records
from paperfeed.models import Card
from paperfeed.store import open_store
from paperfeed.store.terms import document_frequencies
from paperfeed.web.authors import author_view
from paperfeed.web.views import Viewer

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample_papers.jsonl"
CORPUS = REPO.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
RESULTS = REPO / "bench" / "RESULTS.md"
DEV = 40
# Sample paper index -> the sentences (0-based, as index/cards.sentences splits) that state
# the contribution, judged by hand.
LABELS: dict[int, set[int]] = {
    0: {2}, 1: {1}, 2: {4}, 3: {3}, 4: {3}, 5: {5}, 6: {0}, 7: {4}, 8: {3}, 9: {0, 1},
    10: {6}, 11: {2}, 12: {2, 4}, 13: {0}, 14: {0}, 15: {3, 4}, 16: {0}, 17: {1}, 18: {1},
    19: {1}, 20: {4}, 21: {3}, 22: {3}, 23: {1}, 24: {2}, 25: {2}, 26: {2, 4}, 27: {0},
    28: {4, 5}, 29: {2, 3}, 30: {1}, 31: {7}, 32: {3, 4}, 33: {4}, 34: {0}, 35: {1}, 36: {2},
    37: {2}, 38: {3, 4}, 39: {2, 3, 4},
    # held out
    40: {2, 4}, 41: {4}, 42: {0}, 43: {3}, 44: {0, 1}, 45: {0}, 46: {6}, 47: {1}, 48: {2},
    49: {3}, 50: {1}, 51: {2, 3}, 52: {2}, 53: {3}, 54: {2}, 55: {3, 4}, 56: {3}, 57: {2},
    58: {3}, 59: {2, 3}, 60: {0}, 61: {1},
}


def _picked(abstract: str) -> int:
    found, line = sentences(abstract), summary(abstract) or ""
    head = line.rstrip("…")[:60]
    return next(n for n, s in enumerate(found) if s.startswith(head))


def quality() -> list[str]:
    rows = [json.loads(line) for line in SAMPLE.open(encoding="utf-8")]
    lines = ["| set | papers | summary right | lead-1 right | summary background | "
             "lead-1 background |", "|---|---:|---:|---:|---:|---:|"]
    for name, ids in (("dev (rules written on it)", range(DEV)),
                      ("held out", range(DEV, len(LABELS)))):
        right = lead = bg = lead_bg = 0
        for i in ids:
            ok, pick = LABELS[i], _picked(rows[i]["abstract"])
            right += pick in ok
            lead += 0 in ok
            bg += pick < min(ok)
            lead_bg += min(ok) > 0
        n = len(ids)
        lines.append(f"| {name} | {n} | {right} ({right / n:.0%}) | {lead} ({lead / n:.0%}) | "
                     f"{bg} | {lead_bg} |")
    return lines


def _corpus(n: int) -> list[dict[str, object]]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in itertools.islice(f, n)]


def cost(n: int) -> list[str]:
    records = _corpus(n)
    texts = [(str(r["title"]), str(r["abstract"]), tuple(map(str, r.get("authors") or ())))
             for r in records]
    idf = idf_from(document_frequencies(f"{t} {a}" for t, a, _ in texts), len(texts))
    timings = {}
    for label, work in (("summary", lambda t, a, au: summary(a)),
                        ("keyphrases", lambda t, a, au: keyphrases(t, a, idf)),
                        ("author keys", lambda t, a, au: author_names(au))):
        start = time.perf_counter()
        for t, a, au in texts:
            work(t, a, au)
        timings[label] = (time.perf_counter() - start) / len(texts) * 1000
    ours = sum(timings.values())
    lines = ["| step | ms per paper | s per 1,000 papers |", "|---|---:|---:|"]
    lines += [f"| {k} | {v:.2f} | {v:.2f} |" for k, v in timings.items()]
    lines.append(f"| all three (what index adds per paper) | {ours:.2f} | {ours:.2f} |")
    try:
        import yake  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        lines.append("\nYAKE not installed: no comparison.")
        return lines
    extractor = yake.KeywordExtractor(lan="en", n=3, top=5)
    start = time.perf_counter()
    for t, a, _ in texts:
        extractor.extract_keywords(f"{t}. {a}")
    per = (time.perf_counter() - start) / len(texts) * 1000
    lines.append(f"| YAKE 0.7.3 keyphrases (n=3, top 5), same texts | {per:.2f} | {per:.2f} |")
    lines.append(f"\nKeyphrases: YAKE takes {per / timings['keyphrases']:.1f}x the time of ours.")
    return lines


def derive_cost(n: int) -> list[str]:
    """`paperfeed index`'s card step as it runs: n corpus papers in a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "papers.jsonl"
        source.write_text("".join(json.dumps(r) + "\n" for r in _corpus(n)), encoding="utf-8")
        store = open_store(f"sqlite:///{Path(folder) / 'cards.db'}")
        import_records(store, read_jsonl(source), source="bench")
        refresh_vocabulary(store)
        start = time.perf_counter()
        derived = derive_cards(store)
        took = time.perf_counter() - start
        store.close()
    return [f"`derive_cards` (read, derive, write) on {derived:,} papers in SQLite: "
            f"{took:.1f} s, {took / derived * 1000:.2f} s per 1,000 papers."]


def authors_at_scale(db: Path) -> list[str]:
    store = open_store(f"sqlite:///{db}")
    start = time.perf_counter()
    batch: list[tuple[str, str, Card, list[tuple[str, str]]]] = []
    filled = 0
    for paper in store.iter_papers(batch=2000):
        batch.append((paper.id, "", Card(), author_names(paper.author_names)))
        if len(batch) >= 2000:
            store.put_cards(batch)
            filled, batch = filled + len(batch), []
    store.put_cards(batch)
    filled += len(batch)
    fill = time.perf_counter() - start
    with store.reading() as conn:  # type: ignore[attr-defined]
        top = [r[0] for r in conn.execute("SELECT author_key FROM paper_authors GROUP BY "
                                          "author_key ORDER BY count(*) DESC LIMIT 10")]
        every = [r[0] for r in conn.execute("SELECT DISTINCT author_key FROM paper_authors")]
    rng = random.Random(7)
    lines = [f"{filled:,} papers, {len(every):,} author keys; filling the keys took {fill:.0f} s",
             "", "The page's data (web/authors.author_view: spellings, one page of papers, "
             "co-authors, categories), for the commonest spelling of each key:", "",
             "| keys | median ms | max ms | papers under the key (median) | shown (median) |",
             "|---|---:|---:|---:|---:|"]
    view = Viewer(store, load_settings(environ={}, database_url=f"sqlite:///{db}"))
    for label, keys in (("10 most prolific", top), ("50 random", rng.sample(every, 50))):
        times, sizes, shown = [], [], []
        for key in keys:
            spellings = store.author_profile(key, limit=0).spellings
            start = time.perf_counter()
            page = author_view(view, spellings[0][0], 1)
            times.append((time.perf_counter() - start) * 1000)
            sizes.append(sum(n for _, n in spellings))
            shown.append(page["total"] if page else 0)
        lines.append(f"| {label} | {statistics.median(times):.1f} | {max(times):.1f} | "
                     f"{statistics.median(sizes):.0f} | {statistics.median(shown):.0f} |")
    store.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--db", type=Path, help="a COPY of a corpus database (written to)")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    out = [f"## Card text: extractive summary, keyphrases, author pages "
           f"({datetime.now(UTC).date()})", "",
           f"`python bench/cards.py --papers {args.papers}"
           f"{' --db ' + str(args.db) if args.db else ''}`; machine: "
           f"{platform.machine()}, Python {platform.python_version()}.", "",
           "Summary picks the contribution sentence (hand-judged):", "", *quality(), "",
           f"Cost over the first {args.papers:,} corpus records:", "", *cost(args.papers), "",
           *derive_cost(args.papers)]
    if args.db:
        out += ["", "Author pages at corpus size (SQLite):", "", *authors_at_scale(args.db)]
    text = "\n".join(out) + "\n"
    print(text)
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
