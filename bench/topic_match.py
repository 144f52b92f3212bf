"""Does "matches topic" mean a match? Precision and recall of rank/match.py against rules.

Topics are typed as a subscriber would (2-6 words, narrow); the papers that really fit each
are judged by rules over title and abstract (every pattern of a topic in one sentence, the
title being one; written by reading samples). Windows: every day and every ISO week of
the papers' listing dates (a sample of them on a large database), including windows where
a topic has no paper.

For each (topic, window) the digest's own path runs: search over the window (hybrid, the
depth search ranks anyway) and, for "match", the results rank/match.py accepts; for
"today", the top FOR_YOU of the same search: what the digest listed as "matches topic"
before there was a notion of match. Micro-averaged precision and recall over every pair,
and the share of windows without a fitting paper that stay empty. TUNE topics were used to
pick the thresholds; HELD topics were not looked at while tuning.

    .venv/bin/python bench/topic_match.py --db /tmp/slice.db [--build-slice 2026-07-01]
        [--model minilm-static-256] [--sample-days 60 --sample-weeks 20] [--sweep]
        [--rankings /tmp/rankings.json] [--week-depth 300] [--read bench/topic_match_read.tsv]

Every figure is given twice: against the rules, and against the rules corrected by reading
(--read: papers judged by reading title and abstract, one verdict per topic and paper,
overriding the rules for that pair; "claims read" says how many claimed papers have one).

--build-slice imports the corpus's papers listed on or after the date into --db (a new
file) and embeds them with --model; otherwise --db must be a copy of a database already
embedded with that model (never the shared one: this script does not write, but be safe).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import platform
import random
import re
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from topic_judgements import Judged, Tally, corrected, read_verdicts

REPO = Path(__file__).resolve().parent.parent
CORPUS = next((p for p in (REPO.parent / "shared", REPO.parent.parent / "shared")
               if p.exists()), REPO.parent / "shared") / "data" / "arxiv_corpus.jsonl.gz"
FOR_YOU = 10  # the digest's "for you" count (settings.digest_for_you_count default)
DEPTH = 100  # results search ranks for one topic in a window

# topic -> patterns that must all occur (case-insensitive) in title + abstract
TUNE: dict[str, list[str]] = {
    "diffusion models for protein design": [r"\bprotein", r"diffusion",
                                            r"design|generat|binder|engineer"],
    "agent safety benchmark": [r"\bagent", r"\b(un)?safe(ty)?\b|\bharmful", r"benchmark"],
    "graph neural networks for molecules": [r"graph neural|\bgnns?\b|message[- ]passing",
                                            r"molecul"],
    "speculative decoding": [r"speculative (decoding|sampling|generation)"],
    "membership inference attacks": [r"membership inference"],
    "neural radiance fields": [r"neural radiance field|\bnerfs?\b"],
    "gaussian splatting SLAM": [r"gaussian splatting|\b3dgs\b", r"\bslam\b"],
    "federated learning privacy": [r"federated", r"privacy|private"],
    "mixture of experts routing": [r"mixture[- ]of[- ]experts?|\bmoe\b", r"rout"],
    "sparse autoencoders interpretability": [r"sparse auto-?encoder|\bsaes?\b",
                                             r"interpret|features?\b"],
    "time series forecasting with transformers": [r"time[- ]series", r"forecast",
                                                  r"transformer"],
    "code generation benchmark": [r"code[- ]generation|generat\w* code", r"benchmark"],
    "knowledge distillation for object detection": [r"distill", r"object detect|detector"],
    "quantum error correction": [r"quantum error[- ]correct|surface code|logical qubit"],
    "medical image segmentation": [r"medical|clinical|\bct\b|\bmri\b|tumou?r|lesion",
                                   r"segmentation"],
    "LLM watermarking": [r"watermark", r"language model|\bllms?\b|generated text"],
    "retrieval augmented generation evaluation": [r"retrieval[- ]augmented|\brag\b",
                                                  r"evaluat|benchmark"],
    "jailbreak attacks on LLMs": [r"jailbreak"],
    "trajectory prediction for autonomous driving": [r"trajector\w* (prediction|forecast)|"
                                                     r"motion (prediction|forecast)",
                                                     r"driving|vehicle|traffic|pedestrian"],
    "state space models": [r"state[- ]space model|\bmamba\b|\bssms?\b"],
}
HELD: dict[str, list[str]] = {
    "protein language models": [r"protein language model|\bplms?\b.{0,40}protein|"
                                r"protein.{0,40}\bplms?\b|\besm-?\d"],
    "reward hacking": [r"reward hacking|reward gaming|specification gaming"],
    "point cloud registration": [r"point[- ]cloud", r"registration"],
    "hallucination detection in LLMs": [r"hallucinat", r"detect",
                                        r"language model|\bllms?\b|\bvlms?\b|\blvlms?\b"],
    "machine unlearning": [r"unlearn"],
    "text-to-speech synthesis": [r"text[- ]to[- ]speech|\btts\b|speech synthesis"],
    "visual question answering": [r"visual question answering|\bvqa\b"],
    "model merging": [r"model merging|merg\w* (of )?(fine-tuned |expert |task )?models?|"
                      r"merged models?"],
    "optical flow estimation": [r"optical flow"],
    "adversarial patch attacks": [r"adversarial patch"],
    "spiking neural networks": [r"spiking neural|\bsnns?\b|spiking"],
    "legged robot locomotion": [r"legged|quadruped|humanoid|biped", r"locomot"],
    "causal discovery": [r"causal discovery|causal structure learning"],
    "music generation": [r"music", r"generat|composition|compos"],
    "zero-knowledge proofs": [r"zero[- ]knowledge|\bzk-?snarks?\b|\bzkps?\b"],
}


SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(])")


def sentences(title: str, abstract: str) -> list[str]:
    return [title, *SENTENCE.split(abstract)]


def fits(rules: dict[str, list[str]], title: str, abstract: str) -> dict[str, bool]:
    """A paper fits a topic when one sentence (the title is one) has every pattern."""
    text = f"{title}\n{abstract}"
    parts = sentences(title, abstract)
    return {t: all(re.search(p, text, re.I) for p in pats) and
            any(all(re.search(p, s, re.I) for p in pats) for s in parts)
            for t, pats in rules.items()}


def build_slice(db: Path, since: date, model: str) -> None:
    from paperfeed.index.build import build_index
    from paperfeed.index.embedder import load_embedder
    from paperfeed.ingest.jsonl import SOURCE, read_jsonl
    from paperfeed.ingest.run import import_records
    from paperfeed.store import open_store

    part = db.with_suffix(".jsonl")
    with gzip.open(CORPUS, "rt") as src, part.open("w") as out:
        for line in src:
            if (json.loads(line).get("published") or "") >= since.isoformat():
                out.write(line)
    store = open_store(f"sqlite:///{db}")
    import_records(store, read_jsonl(part), source=SOURCE)
    build_index(store, load_embedder(model), batch_size=256)
    store.close()


def windows(days: list[date], size: int, n: int | None, rng: random.Random) -> list[
        tuple[date, date]]:
    if size == 1:
        spans = [(d, d) for d in days]
    else:
        weeks = sorted({d - timedelta(days=d.weekday()) for d in days})
        spans = [(w, w + timedelta(days=6)) for w in weeks]
    return sorted(rng.sample(spans, n)) if n and n < len(spans) else spans


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--build-slice", type=date.fromisoformat)
    ap.add_argument("--model", default="minilm-static-256")
    ap.add_argument("--sample-days", type=int)
    ap.add_argument("--sample-weeks", type=int)
    ap.add_argument("--read", type=Path, default=REPO / "bench" / "topic_match_read.tsv",
                    help="verdicts by reading (topic, paper id, yes/no, reason; tab-separated)")
    ap.add_argument("--dump", type=Path,
                    help="write (topic, window days, paper, similarity, fits) per candidate")
    ap.add_argument("--sweep", action="store_true", help="print a threshold grid (TUNE)")
    ap.add_argument("--week-depth", type=int, default=DEPTH,
                    help="results search ranks for one topic in a weekly window")
    ap.add_argument("--depth-cost", action="store_true",
                    help="time a weekly window's search with match=True at DEPTH and at "
                         "--week-depth")
    ap.add_argument("--rankings", type=Path,
                    help="keep each window's search ranking in this file and reuse it on the "
                         "next run (to measure the predicate alone; same database and code)")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    if args.build_slice:
        t = time.perf_counter()
        build_slice(args.db, args.build_slice, args.model)
        print(f"built {args.db} in {time.perf_counter() - t:.0f} s")
    run(args)


def run(args: argparse.Namespace) -> None:
    from paperfeed.index.embedder import load_embedder
    from paperfeed.rank import match
    from paperfeed.rank.search import SearchFilters, search
    from paperfeed.store import open_store

    store = open_store(f"sqlite:///{args.db}")
    embedder = load_embedder(args.model)
    rules = TUNE | HELD
    truth: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    days: set[date] = set()
    for paper in store.iter_papers():
        if paper.day is None:
            continue
        days.add(paper.day)
        for topic, ok in fits(rules, paper.title, paper.abstract).items():
            if ok:
                truth[topic][paper.day].add(paper.id)
    verdicts = read_verdicts(args.read) if args.read.exists() else {}
    read_truth = corrected(truth, verdicts, store)
    rng = random.Random(0)
    print(f"papers: {store.count_papers()}, days: {len(days)}, model: {args.model}, "
          f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    features: list[tuple[str, int, float, float, float | None, bool]] = []
    dump: list[tuple[str, int, str, float | None, bool]] = []
    tallies: dict[tuple[str, int, str, str], Tally] = defaultdict(Tally)
    seen: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    kept: dict[str, list[str]] = {}
    if args.rankings and args.rankings.exists():
        kept = json.loads(args.rankings.read_text())
    started = time.perf_counter()
    for size, n in ((1, args.sample_days), (7, args.sample_weeks)):
        for lo, hi in windows(sorted(days), size, n, rng):
            for topic in rules:
                part = "tune" if topic in TUNE else "held"
                fit = {pid for d, ids in truth[topic].items() if lo <= d <= hi for pid in ids}
                fit_read = {pid for d, ids in read_truth.get(topic, {}).items()
                            if lo <= d <= hi for pid in ids}
                tally = Judged(tallies, seen, verdicts, (part, size), topic, fit, fit_read)
                key = f"{topic}|{lo}|{hi}"
                depth = DEPTH if size == 1 else args.week_depth
                if key not in kept:
                    result = search(store, topic, limit=depth, embedder=embedder,
                                    filters=SearchFilters(date_from=lo, date_to=hi))
                    kept[key] = [h.paper.id for h in result.hits]
                ranked = store.get_papers(kept[key])
                tally("today: top 10", {p.id for p in ranked[:FOR_YOU]})
                prepared = match.prepare(store, topic, embedder)
                sims = match.similarities(store, prepared, [p.id for p in ranked], embedder)
                claimed = set()
                for p in ranked:
                    ev = match.evidence(prepared, p, sims.get(p.id))
                    features.append((part, size, ev.coverage, ev.near, ev.z, p.id in fit))
                    dump.append((topic, size, p.id, sims.get(p.id), p.id in fit))
                    if ev.matches:
                        claimed.add(p.id)
                tally("match", claimed)
                tally("match, first 10", set([p.id for p in ranked if p.id in claimed][:FOR_YOU]))
                tally("fits, not ranked", {p.id for p in ranked})
    print(f"{time.perf_counter() - started:.0f} s of searching")
    if args.rankings:
        args.rankings.write_text(json.dumps(kept))
    print(f"verdicts by reading: {len(verdicts)} ({args.read.name})")
    print("| topics | window | claim | rules: precision / recall | read: precision / recall | "
          "empty kept, rules; read | TP / FP / FN, rules; read | claims read |")
    print("|---|---|---|---|---|---|---|---|")
    for (part, size, name), (read, total) in sorted(seen.items()):
        if name == "fits, not ranked":
            continue
        by, rd = tallies[(part, size, name, "rules")], tallies[(part, size, name, "read")]
        print(f"| {part} | {'day' if size == 1 else 'week'} | {name} | {by.pr()} | {rd.pr()} | "
              f"{by.empty()}; {rd.empty()} | {by.counts()}; {rd.counts()} | {read}/{total} |")
    for part in ("tune", "held"):
        for size in (1, 7):
            t, r = (tallies[(part, size, "fits, not ranked", j)] for j in ("rules", "read"))
            print(f"{part} {size}d: fitting papers ranked: {t.tp}/{t.tp + t.fn} (rules), "
                  f"{r.tp}/{r.tp + r.fn} (read)")
    cost(store, embedder, kept, rules)
    if args.depth_cost:
        depth_cost(store, embedder, kept, args.week_depth)
    if args.dump:
        args.dump.write_text(json.dumps(dump))
    if args.sweep:
        sweep([f for f in features if f[0] == "tune"])


def cost(store: Any, embedder: Any, kept: dict[str, list[str]], rules: dict[str, Any]) -> None:
    """What the predicate costs on the same rankings (best of three): matching every window's
    ranked papers, papers already read (as the digest has them), topics prepared; and
    preparing a topic once its acronyms are kept."""
    from paperfeed.index.vectors import index_for
    from paperfeed.rank import match

    papers = {key: store.get_papers(ids) for key, ids in kept.items()}
    topics = {t: match.prepare(store, t, embedder) for t in rules}
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        for key, ranked in papers.items():
            match.matching(store, topics[key.split("|")[0]], ranked, embedder)
        best = min(best, time.perf_counter() - t0)
    print(f"predicate over {len(papers)} rankings: {best / len(papers) * 1e3:.2f} ms a ranking")
    t0 = time.perf_counter()
    for t in topics:
        match.prepare(store, t, embedder)
    each = (time.perf_counter() - t0) / len(topics)
    print(f"prepare a topic ({index_for(store, embedder.name).model}): {each * 1e3:.1f} ms "
          "once its acronyms are kept")


def depth_cost(store: Any, embedder: Any, kept: dict[str, list[str]], deep: int) -> None:
    """A weekly window's search as the page runs it (match=True), DEPTH and deep results
    ranked, interleaved, best of two."""
    from paperfeed.rank.search import SearchFilters, search

    weeks = [k.split("|") for k in kept if date.fromisoformat(k.split("|")[2]) -
             date.fromisoformat(k.split("|")[1]) == timedelta(days=6)]
    best = {DEPTH: 1e9, deep: 1e9}
    for _ in range(2):
        for depth in (DEPTH, deep):
            t0 = time.perf_counter()
            for topic, lo, hi in weeks:
                search(store, topic, limit=depth, embedder=embedder, match=True,
                       filters=SearchFilters(date_from=date.fromisoformat(lo),
                                             date_to=date.fromisoformat(hi)))
            best[depth] = min(best[depth], time.perf_counter() - t0)
    print(f"a week's search with match=True over {len(weeks)} (topic, week): " + ", ".join(
        f"{d} deep {t / len(weeks) * 1e3:.1f} ms" for d, t in best.items()) +
        f" (ratio {best[deep] / best[DEPTH]:.2f})")


def _hit(f: tuple[str, int, float, float, float | None, bool], near: float, floor: float,
         cover: float, high: float) -> bool:
    z = f[4] if f[4] is not None else -99.0
    return (f[3] >= near and z >= floor) or (f[2] >= cover and z >= high)


def sweep(features: list[tuple[str, int, float, float, float | None, bool]]) -> None:
    """Precision and recall of each threshold choice on the TUNE topics' weekly windows."""
    rows = [f for f in features if f[1] == 7]
    print("near | floor | coverage | high | precision | recall (TUNE, weeks; of fits ranked)")
    for near, floor, cover, high in itertools.product(
            (0.7, 0.8, 0.9, 0.99), (-1.0, 0.0, 1.0, 1.5, 2.0, 2.5),
            (0.5, 0.7, 0.9), (3.0, 4.0, 5.0, 99.0)):
        got = [f[5] for f in rows if _hit(f, near, floor, cover, high)]
        tp, fp = sum(got), len(got) - sum(got)
        fn = sum(1 for f in rows if f[5]) - tp
        p, r = tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0
        if p >= 0.85:
            print(f"{near} | {floor} | {cover} | {high} | {p:.3f} | {r:.3f}")


if __name__ == "__main__":
    main()
