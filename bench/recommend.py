"""Benchmark: does the reader's own model (rank/recommend.py) find what simulated readers want?

Simulated readers over the real 99 k arXiv records: each has one to three narrow interests,
defined by rules over title + abstract (INTERESTS, fixed before any method was measured), and
likes 3, 10 or 30 papers of those interests from before a date (plus two disliked papers of a
liked paper's category that match none of its interests). Every method then ranks the papers
listed in the following month; a paper is relevant when it matches one of the reader's
interests. Peers in the same run: arxiv-sanity-lite's per-reader SVM (its compute.py tf-idf
and serve.py LinearSVC, verified on karpathy/arxiv-sanity-lite), a tf-idf centroid, newest
first in the liked papers' categories, and rank/foryou.for_you(liked=...).

`--split dev` (judge April 2026) is for choosing settings; `--split test` (May 2026) is the
one reported. The database must hold the corpus with static-model vectors (a copy: the
model's word cache is filled in memory only, but opening a store may write its WAL).

    .venv/bin/python bench/recommend.py --db /tmp/99k.db --split test --readers 20
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from paperfeed.index.embedder import load_embedder
from paperfeed.rank.foryou import for_you
from paperfeed.rank.learn import Params
from paperfeed.rank.recommend import Signals, recommend
from paperfeed.store import open_store

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
SPLITS = {"dev": (date(2026, 4, 1), date(2026, 4, 30)),
          "test": (date(2026, 5, 1), date(2026, 5, 31))}
LIKES = (3, 10, 30)
DISLIKES = 2
MIN_PAPERS = 8  # an interest needs this many papers in each judged month

# Narrow topics as rules over title + abstract (regular expressions, case-insensitive).
# Several have more than one surface form (an acronym, a synonym) that words alone must learn.
INTERESTS = {
    "gaussian splatting": [r"gaussian splat", r"\b3dgs\b"],
    "speculative decoding": [r"speculative decod", r"draft model", r"\bdraft tokens?\b"],
    "machine unlearning": [r"unlearn"],
    "mixture of experts": [r"mixture[- ]of[- ]experts", r"\bmoe\b"],
    "KV cache": [r"\bkv[- ]cache"],
    "vision-language-action models": [r"vision[- ]language[- ]action", r"\bvlas?\b"],
    "retrieval-augmented generation": [r"retrieval[- ]augmented", r"\brag\b"],
    "hallucination in multimodal models": [
        r"hallucinat.{0,200}(vision|multimodal|\blvlm|\bmllm|\bvlm|image)",
        r"(vision|multimodal|\blvlm|\bmllm|\bvlm).{0,200}hallucinat"],
    "jailbreak attacks": [r"jailbreak"],
    "watermarking": [r"watermark"],
    "sparse autoencoders": [r"sparse autoencoder", r"\bsaes?\b"],
    "reward hacking": [r"reward hacking", r"reward model over", r"reward overoptim"],
    "test-time scaling": [r"test[- ]time scaling", r"test[- ]time compute"],
    "neural radiance fields": [r"radiance field", r"\bnerfs?\b"],
    "video generation": [r"text[- ]to[- ]video", r"video generation"],
    "driving planning": [r"(autonomous driving|self-driving).{0,200}(planning|planner|trajector)",
                         r"end[- ]to[- ]end driving"],
    "medical image segmentation": [r"medical image segmentation",
                                   r"(tumou?r|lesion|organ) segmentation"],
    "remote sensing": [r"remote sensing", r"satellite imag"],
    "point clouds": [r"point cloud"],
    "federated learning": [r"federated"],
    "graph neural networks": [r"graph neural network", r"\bgnns?\b"],
    "state space models": [r"state[- ]space model", r"\bmamba\b"],
    "LLM quantization": [r"quantiz.{0,100}(llm|language model)",
                         r"(llm|language model).{0,100}quantiz"],
    "sign language": [r"sign language"],
    "speech synthesis": [r"text[- ]to[- ]speech", r"\btts\b", r"speech synthesis"],
    "code generation": [r"code generation"],
    "RL with verifiable rewards": [r"\bgrpo\b", r"reinforcement learning with verifiable reward",
                                   r"\brlvr\b"],
    "GUI and web agents": [r"\bgui agent", r"web agent", r"computer[- ]use agent"],
    "deepfake detection": [r"deepfake", r"(ai-generated|synthetic) image detection",
                           r"forgery detection"],
    "continual learning": [r"continual learning", r"catastrophic forgetting"],
    "galaxy clusters": [r"galaxy clusters?"],
    "dark energy": [r"dark energy", r"baryon acoustic"],
    "gravitational lensing": [r"gravitational lens", r"weak lensing", r"strong lensing"],
    "channel estimation and MIMO": [r"channel estimation", r"\bmimo\b"],
    "human motion generation": [r"motion generation", r"human motion synthes"],
    "anomaly detection": [r"anomaly detection"],
    "low-resource languages": [r"(low[- ]resource).{0,100}(translation|languages?)"],
    "emotion recognition": [r"emotion recognition"],
    "knowledge distillation": [r"knowledge distillation"],
    "optical and scene flow": [r"optical flow", r"scene flow"],
    "parameter-efficient fine-tuning": [r"\blora\b", r"parameter[- ]efficient fine[- ]tuning",
                                        r"\bpeft\b"],
}


@dataclass
class Corpus:
    ids: list[str]
    texts: list[str]  # title + abstract
    authors: list[str]
    cats: list[tuple[str, ...]]
    day: list[date | None]
    matches: dict[str, set[int]]  # interest -> rows


@dataclass(frozen=True)
class Reader:
    interests: tuple[str, ...]
    likes: tuple[str, ...]
    dislikes: tuple[str, ...]
    relevant: frozenset[str]
    per_interest: tuple[frozenset[str], ...]


def load_corpus(path: Path, until: date) -> Corpus:
    ids, texts, authors, cats, days = [], [], [], [], []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            day = date.fromisoformat(r["published"][:10]) if r.get("published") else None
            if day is None or day > until:
                continue
            ids.append(r["id"])
            texts.append(f"{r['title']}\n{r['abstract']}")
            authors.append(" ".join(r.get("authors") or []))
            cats.append(tuple(r.get("categories") or ()))
            days.append(day)
    rules = {k: re.compile("|".join(v), re.IGNORECASE | re.DOTALL) for k, v in INTERESTS.items()}
    matches = {k: {i for i, t in enumerate(texts) if rule.search(t)} for k, rule in rules.items()}
    return Corpus(ids, texts, authors, cats, days, matches)


def make_readers(c: Corpus, start: date, end: date, per_group: int,
                 seed: int = 1) -> list[tuple[int, Reader]]:
    """(likes, reader) pairs: per_group readers of 1, 2 and 3 interests, each at 3/10/30."""
    rng = random.Random(seed)
    before = {k: sorted(i for i in rows if c.day[i] < start) for k, rows in c.matches.items()}
    within = {k: frozenset(c.ids[i] for i in rows if start <= c.day[i] <= end)
              for k, rows in c.matches.items()}
    usable = sorted(k for k in INTERESTS if len(within[k]) >= MIN_PAPERS and len(before[k]) >= 60)
    out = []
    for n_interests in (1, 2, 3):
        for _ in range(per_group):
            chosen = tuple(rng.sample(usable, n_interests))
            matched = set().union(*(c.matches[k] for k in chosen))
            for n_likes in LIKES:
                likes: list[int] = []
                for n in range(n_likes):  # the interests in turn
                    pool = [i for i in before[chosen[n % n_interests]] if i not in likes]
                    likes.append(rng.choice(pool))
                cats = {c.cats[i][0] for i in likes if c.cats[i]}
                others = [i for i in range(len(c.ids)) if c.day[i] < start and i not in matched
                          and c.cats[i] and c.cats[i][0] in cats]
                dislikes = rng.sample(others, DISLIKES)
                relevant = frozenset().union(*(within[k] for k in chosen))
                out.append((n_likes, Reader(chosen, tuple(c.ids[i] for i in likes),
                                            tuple(c.ids[i] for i in dislikes), relevant,
                                            tuple(within[k] for k in chosen))))
    return out


def ndcg(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    dcg = sum(1 / np.log2(n + 2) for n, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / np.log2(n + 2) for n in range(min(k, len(relevant))))
    return float(dcg / ideal) if ideal else 0.0


class Sanity:
    """arxiv-sanity-lite: tf-idf over title + abstract + authors (compute.py), one LinearSVC
    per reader over every paper, liked positive, the rest negative (serve.py svm_rank)."""

    def __init__(self, c: Corpus, start: date, end: date) -> None:
        v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace",
                            strip_accents="unicode", lowercase=True, analyzer="word",
                            stop_words="english", token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
                            ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True,
                            smooth_idf=True, sublinear_tf=True, max_df=0.1, min_df=5)
        docs = [f"{t} {a}" for t, a in zip(c.texts, c.authors, strict=True)]
        self.x = v.fit_transform(docs).astype(np.float32)
        self.row = {pid: i for i, pid in enumerate(c.ids)}
        self.window = np.array([i for i, d in enumerate(c.day) if start <= d <= end])
        self.ids = c.ids
        self.cats = c.cats
        self.day = c.day

    def svm(self, r: Reader, k: int) -> list[str]:
        y = np.zeros(self.x.shape[0])
        y[[self.row[p] for p in r.likes]] = 1
        clf = LinearSVC(class_weight="balanced", max_iter=10000, tol=1e-6, C=0.01)
        clf.fit(self.x, y)
        return self._top(clf.decision_function(self.x[self.window]), r, k)

    def centroid(self, r: Reader, k: int) -> list[str]:
        mean = np.asarray(self.x[[self.row[p] for p in r.likes]].mean(axis=0)).ravel()
        return self._top(self.x[self.window] @ mean, r, k)

    def newest(self, r: Reader, k: int) -> list[str]:
        cats = {self.cats[self.row[p]][0] for p in r.likes if self.cats[self.row[p]]}
        rows = [i for i in self.window if set(self.cats[i]) & cats]
        rows.sort(key=lambda i: (self.day[i], self.ids[i]), reverse=True)
        return [self.ids[i] for i in rows if self.ids[i] not in r.likes][:k]

    def _top(self, scores: np.ndarray, r: Reader, k: int) -> list[str]:
        order = np.argsort(-scores, kind="stable")
        skip = set(r.likes)
        return [pid for pid in (self.ids[self.window[i]] for i in order[:k + len(skip)])
                if pid not in skip][:k]


def run(args: argparse.Namespace) -> None:
    start, end = SPLITS[args.split]
    c = load_corpus(args.corpus, end)
    readers = make_readers(c, start, end, args.readers)
    store = open_store(f"sqlite:///{args.db}")
    emb = load_embedder("minilm-static-256")
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    t = time.perf_counter()
    peers = ("sanity-svm", "tfidf-centroid", "newest-in-categories")
    sanity = Sanity(c, start, end) if not args.methods or set(peers) & set(args.methods) \
        else None
    print(f"corpus {len(c.ids)} papers up to {end}; {len(readers)} reader runs; "
          f"tf-idf {time.perf_counter() - t:.1f} s", flush=True)
    params = Params(**{k: type(getattr(Params(), k))(v) for k, v in
                       (kv.split("=") for kv in args.param)})

    def ours(mix: str) -> Callable[[Reader, int], list[str]]:
        p = replace(params, mix=mix)
        return lambda r, k: [h.paper.id for h in recommend(
            store, Signals(liked=r.likes, disliked=r.dislikes), since=start, until=end,
            limit=k, embedder=emb, params=p)]

    methods: dict[str, Callable[[Reader, int], list[str]]] = {
        "ours": ours(params.mix), "ours-share": ours("share"),
        "ours-per-interest-max": ours("max"),
        "for_you": lambda r, k: [h.paper.id for h in for_you(
            store, liked=r.likes, since=since, limit=4 * k, embedder=emb)
            if h.paper.day is not None and h.paper.day <= end][:k],
    }
    if sanity is not None:
        methods |= {"sanity-svm": sanity.svm, "tfidf-centroid": sanity.centroid,
                    "newest-in-categories": sanity.newest}
    methods = {m: f for m, f in methods.items() if not args.methods or m in args.methods}
    t = time.perf_counter()
    ours("max")(readers[0][1], 50)  # fills the word cache for the window (reported apart)
    print(f"first call (cold word cache for the window): {time.perf_counter() - t:.2f} s",
          flush=True)
    results: dict[tuple[str, int, int], list[tuple[float, float, float, float]]] = \
        defaultdict(list)
    times: dict[str, list[float]] = defaultdict(list)
    for name, method in methods.items():
        for n_likes, r in readers:
            t = time.perf_counter()
            top = method(r, 50)
            times[name].append(time.perf_counter() - t)
            covered = sum(bool(set(top[:10]) & s) for s in r.per_interest) / len(r.interests)
            results[(name, n_likes, len(r.interests))].append((
                ndcg(top, r.relevant), len(set(top[:10]) & r.relevant) / 10,
                len(set(top) & r.relevant) / len(r.relevant), covered))
        print(f"{name}: done", flush=True)
    report(results, times, methods)


def report(results: dict[tuple[str, int, int], list[tuple[float, float, float, float]]],
           times: dict[str, list[float]], methods: dict[str, object]) -> None:
    def mean(name: str, likes: int | None, interests: int | None, col: int) -> float:
        rows = [v for (m, lk, it), vs in results.items() for v in vs
                if m == name and (likes is None or lk == likes) and
                (interests is None or it == interests)]
        return statistics.fmean(r[col] for r in rows)

    print("\n| method | likes | nDCG@10 | P@10 | R@50 |")
    print("|---|---|---|---|---|")
    for name in methods:
        for likes in LIKES:
            print(f"| {name} | {likes} | {mean(name, likes, None, 0):.3f} | "
                  f"{mean(name, likes, None, 1):.3f} | {mean(name, likes, None, 2):.3f} |")
    print("\n| method | interests | nDCG@10 (3 / 10 / 30 likes) | interests in top 10 "
          "(10 likes) |")
    print("|---|---|---|---|")
    for name in methods:
        for it in (1, 2, 3):
            nd = " / ".join(f"{mean(name, lk, it, 0):.3f}" for lk in LIKES)
            print(f"| {name} | {it} | {nd} | {mean(name, 10, it, 3):.2f} |")
    print("\n| method | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|")
    for name in methods:
        ms = sorted(1000 * t for t in times[name])
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
        print(f"| {name} | {statistics.median(ms):.0f} | {p99:.0f} | {ms[-1]:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="SQLite copy of the 99 k corpus (static vectors)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev")
    ap.add_argument("--readers", type=int, default=20, help="readers per number of interests")
    ap.add_argument("--methods", nargs="*", default=[])
    ap.add_argument("--param", action="append", default=[], help="Params field=value (ours)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
