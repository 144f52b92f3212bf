"""Benchmark: does the reader's own model (rank/recommend.py) find what simulated readers want?

Simulated readers over the real 99 k arXiv records: each has one to three narrow interests,
defined by rules over title + abstract (INTERESTS, fixed before any method was measured), and
likes 3, 10 or 30 papers of those interests from before a date (plus two disliked papers of a
liked paper's category that match none of its interests). Every method then ranks the papers
listed in the following month; a paper is relevant when it matches one of the reader's
interests. Peers in the same run: arxiv-sanity-lite's per-reader SVM (its compute.py tf-idf
and serve.py LinearSVC, verified on karpathy/arxiv-sanity-lite), a tf-idf centroid, newest
first in the liked papers' categories, and rank/foryou.for_you(liked=...).

`--suite subareas` (recommend_interests.py SUB_TUNE + SUB_HELD) is the hard one: each
interest is a field of sub-areas sharing few words, the likes come from one sub-area, and
every sub-area is relevant; readers hold 1, 3 or 5 unrelated interests. The "ceiling" row
is the best ranking the judgement allows (relevant papers first, the interests in turn).

`--split dev` (judge April 2026) is for choosing settings; `--split test` (May 2026) is the
one reported. The database must hold the corpus with static-model vectors and the term rows
`paperfeed index` stores (a copy: opening a store may migrate it and write its WAL).

    .venv/bin/python bench/recommend.py --db /tmp/99k.db --split test --readers 20
    .venv/bin/python bench/recommend.py --db /tmp/99k.db --split test --suite meaning
    .venv/bin/python bench/recommend.py --db /tmp/99k-minilm.db --model minilm-l6-v2 \
        --split test --suite subareas-held
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
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from paperfeed.index.embedder import load_embedder
from paperfeed.rank.foryou import for_you
from paperfeed.rank.learn import Params
from paperfeed.rank.recommend import Signals, recommend
from paperfeed.store import open_store
from recommend_interests import HELD, INTERESTS, SUB_HELD, SUB_TUNE, TUNE

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
SPLITS = {"dev": (date(2026, 4, 1), date(2026, 4, 30)),
          "test": (date(2026, 5, 1), date(2026, 5, 31))}
LIKES = (3, 10, 30)
DISLIKES = 2
MIN_PAPERS = 8  # an interest needs this many papers in each judged month

@dataclass
class Corpus:
    ids: list[str]
    texts: list[str]  # title + abstract
    authors: list[str]
    cats: list[tuple[str, ...]]
    day: list[date | None]
    matches: dict[str, set[int]]  # interest -> rows judged relevant
    picks: dict[str, set[int]]  # interest -> rows likes may be picked from
    seen: dict[str, set[int]] | None = None  # interest -> rows in the likes' own wording


@dataclass(frozen=True)
class Reader:
    interests: tuple[str, ...]
    likes: tuple[str, ...]
    dislikes: tuple[str, ...]
    relevant: frozenset[str]
    per_interest: tuple[frozenset[str], ...]
    unseen: frozenset[str] = frozenset()  # relevant in a wording none of the likes uses


def _rule(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.IGNORECASE | re.DOTALL)


def load_corpus(path: Path, until: date, suite: str) -> Corpus:
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
    if suite == "words":
        rules = {k: _rule(v) for k, v in INTERESTS.items()}
        matches = {k: {i for i, t in enumerate(texts) if rule.search(t)}
                   for k, rule in rules.items()}
        return Corpus(ids, texts, authors, cats, days, matches, matches)
    if suite.startswith("subareas"):
        return _subareas(ids, texts, authors, cats, days, suite)
    families = TUNE | HELD if suite == "meaning" else (TUNE if suite == "meaning-tune" else HELD)
    picked = {k: _rule([a]) for k, (a, _) in families.items()}
    other = {k: _rule([b]) for k, (_, b) in families.items()}
    a_rows = {k: {i for i, t in enumerate(texts) if rule.search(t)} for k, rule in picked.items()}
    b_rows = {k: {i for i, t in enumerate(texts) if rule.search(t)} for k, rule in other.items()}
    return Corpus(ids, texts, authors, cats, days, {k: a_rows[k] | b_rows[k] for k in families},
                  {k: a_rows[k] - b_rows[k] for k in families}, a_rows)


def _subareas(ids: list[str], texts: list[str], authors: list[str],
              cats: list[tuple[str, ...]], days: list[date | None], suite: str) -> Corpus:
    """Interests made of sub-areas: likes from the first, relevance over all of them."""
    families = {"subareas": SUB_TUNE | SUB_HELD, "subareas-tune": SUB_TUNE,
                "subareas-held": SUB_HELD}[suite]
    rows = {k: [{i for i, t in enumerate(texts) if _rule([r]).search(t)} for r in rules]
            for k, rules in families.items()}
    return Corpus(ids, texts, authors, cats, days,
                  {k: set().union(*r) for k, r in rows.items()},
                  {k: r[0] - set().union(*r[1:]) for k, r in rows.items()},
                  {k: r[0] for k, r in rows.items()})


def make_readers(c: Corpus, start: date, end: date, per_group: int, groups: Sequence[int],
                 seed: int = 1) -> list[tuple[int, Reader]]:
    """(likes, reader) pairs: per_group readers of each number of interests in groups, each
    at 3/10/30 likes (the interests in turn; one without a like is not judged)."""
    rng = random.Random(seed)
    before = {k: sorted(i for i in rows if c.day[i] < start) for k, rows in c.picks.items()}
    within = {k: frozenset(c.ids[i] for i in rows if start <= c.day[i] <= end)
              for k, rows in c.matches.items()}
    seen = c.seen if c.seen is not None else c.picks
    unseen = {k: within[k] - frozenset(c.ids[i] for i in seen[k]) for k in c.matches}
    usable = sorted(k for k in c.matches if len(within[k]) >= MIN_PAPERS and
                    len(before[k]) >= 60)
    out = []
    for n_interests in groups:
        for _ in range(per_group):
            chosen = tuple(rng.sample(usable, n_interests))
            matched = set().union(*(c.matches[k] for k in chosen))
            for n_likes in LIKES:
                likes: list[int] = []
                for n in range(n_likes):  # the interests in turn
                    pool = [i for i in before[chosen[n % n_interests]] if i not in likes]
                    likes.append(rng.choice(pool))
                judged = chosen[:min(n_likes, n_interests)]
                cats = {c.cats[i][0] for i in likes if c.cats[i]}
                others = [i for i in range(len(c.ids)) if c.day[i] < start and i not in matched
                          and c.cats[i] and c.cats[i][0] in cats]
                dislikes = rng.sample(others, DISLIKES)
                relevant = frozenset().union(*(within[k] for k in judged))
                out.append((n_likes, Reader(judged, tuple(c.ids[i] for i in likes),
                                            tuple(c.ids[i] for i in dislikes), relevant,
                                            tuple(within[k] for k in judged),
                                            frozenset().union(*(unseen[k] for k in judged)))))
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


def ceiling(r: Reader, k: int) -> list[str]:
    """The best ranking the judgement allows: relevant papers first, the interests in turn."""
    queues = [sorted(s - set(r.likes)) for s in r.per_interest]
    out: list[str] = []
    while len(out) < k and any(queues):
        for q in queues:
            while q and q[0] in out:
                q.pop(0)
            if q and len(out) < k:
                out.append(q.pop(0))
    return out


def variant(spec: str) -> tuple[str, Params]:
    """"name:field=value,field=value" as (name, Params)."""
    name, _, fields = spec.partition(":")
    base = Params()
    kv = [f.split("=") for f in fields.split(",") if f]
    return name, Params(**{k: v in ("1", "true") if isinstance(getattr(base, k), bool) else
                           type(getattr(base, k))(v) for k, v in kv})


def run(args: argparse.Namespace) -> None:
    threadpool_limits(limits=1, user_api="blas")  # as a web worker runs (web/asgi.py)
    start, end = SPLITS[args.split]
    c = load_corpus(args.corpus, end, args.suite)
    groups = (1, 2, 3) if args.suite == "words" else (1, 3, 5)
    readers = make_readers(c, start, end, args.readers, groups)
    store = open_store(f"sqlite:///{args.db}")
    emb = load_embedder(args.model)
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    peers = ("sanity-svm", "tfidf-centroid", "newest-in-categories")
    built: list[Sanity] = []

    def peer(name: str) -> Callable[[Reader, int], list[str]]:
        def call(r: Reader, k: int) -> list[str]:
            if not built:  # only when a ranking is not in --peer-cache
                t = time.perf_counter()
                built.append(Sanity(c, start, end))
                print(f"tf-idf {time.perf_counter() - t:.1f} s", flush=True)
            method: Callable[[Reader, int], list[str]] = getattr(built[0], name)
            return method(r, k)
        return call

    print(f"corpus {len(c.ids)} papers up to {end}; {len(readers)} reader runs", flush=True)

    def ours(params: Params) -> Callable[[Reader, int], list[str]]:
        return lambda r, k: [h.paper.id for h in recommend(
            store, Signals(liked=r.likes, disliked=r.dislikes), since=start, until=end,
            limit=k, embedder=emb, params=params)]

    variants = dict(variant(v) for v in args.variant) or {"ours": Params()}
    methods: dict[str, Callable[[Reader, int], list[str]]] = {
        name: ours(p) for name, p in variants.items()}
    methods["for_you"] = lambda r, k: [h.paper.id for h in for_you(
        store, liked=r.likes, since=since, limit=4 * k, embedder=emb)
        if h.paper.day is not None and h.paper.day <= end][:k]
    methods["ceiling"] = ceiling
    methods |= {"sanity-svm": peer("svm"), "tfidf-centroid": peer("centroid"),
                "newest-in-categories": peer("newest")}
    methods = {m: f for m, f in methods.items()
               if not args.methods or m in args.methods or m in variants or m == "ceiling"}
    t = time.perf_counter()
    next(iter(methods.values()))(readers[0][1], 50)  # loads the window's rows and vectors
    print(f"first call (this process reads the window's term rows and the vectors): "
          f"{time.perf_counter() - t:.2f} s", flush=True)
    results: dict[tuple[str, int, int], list[tuple[float, ...]]] = defaultdict(list)
    times: dict[str, list[float]] = defaultdict(list)
    cache = json.loads(args.peer_cache.read_text()) if args.peer_cache and \
        args.peer_cache.exists() else {}
    for name, method in methods.items():
        for n, (n_likes, r) in enumerate(readers):
            key = f"{name}|{args.suite}|{args.split}|{args.readers}|{n}"  # peers: any model
            t = time.perf_counter()
            top, seconds = cache[key] if key in cache and name in peers else \
                (method(r, 50), None)
            times[name].append(seconds or time.perf_counter() - t)
            if name in peers:
                cache[key] = (top, times[name][-1])
            covered = sum(bool(set(top[:10]) & s) for s in r.per_interest) / len(r.interests)
            unseen = len(set(top) & r.unseen) / len(r.unseen) if r.unseen else float("nan")
            results[(name, n_likes, len(r.interests))].append((
                ndcg(top, r.relevant), len(set(top[:10]) & r.relevant) / 10,
                len(set(top) & r.relevant) / len(r.relevant), covered, unseen))
        print(f"{name}: done", flush=True)
    if args.peer_cache:
        args.peer_cache.write_text(json.dumps(cache))
    report(results, times, methods, groups, args.suite != "words")


def report(results: dict[tuple[str, int, int], list[tuple[float, ...]]],
           times: dict[str, list[float]], methods: dict[str, object], groups: Sequence[int],
           unseen: bool) -> None:
    def mean(name: str, likes: int | None, interests: int | None, col: int) -> float:
        rows = [v[col] for (m, lk, it), vs in results.items() for v in vs
                if m == name and (likes is None or lk == likes) and
                (interests is None or it == interests) and v[col] == v[col]]
        return statistics.fmean(rows) if rows else float("nan")

    extra = " R@50 of unseen wordings |" if unseen else ""
    print(f"\n| method | likes | nDCG@10 | P@10 | R@50 |{extra}")
    print("|---|---|---|---|---|" + ("---|" if unseen else ""))
    for name in methods:
        for likes in LIKES:
            more = f" {mean(name, likes, None, 4):.3f} |" if unseen else ""
            print(f"| {name} | {likes} | {mean(name, likes, None, 0):.3f} | "
                  f"{mean(name, likes, None, 1):.3f} | {mean(name, likes, None, 2):.3f} |{more}")
    print("\n| method | interests | nDCG@10 (3 / 10 / 30 likes) | P@10 (10 likes) | "
          "R@50 (10 likes) | interests in top 10 (3 / 10 / 30 likes) |")
    print("|---|---|---|---|---|---|")
    for name in methods:
        for it in groups:
            nd = " / ".join(f"{mean(name, lk, it, 0):.3f}" for lk in LIKES)
            cover = " / ".join(f"{mean(name, lk, it, 3):.2f}" for lk in LIKES)
            print(f"| {name} | {it} | {nd} | {mean(name, 10, it, 1):.3f} | "
                  f"{mean(name, 10, it, 2):.3f} | {cover} |")
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
    ap.add_argument("--model", default="minilm-static-256",
                    help="the embedder whose stored vectors the database holds")
    ap.add_argument("--split", choices=sorted(SPLITS), default="dev")
    ap.add_argument("--readers", type=int, default=20, help="readers per number of interests")
    ap.add_argument("--methods", nargs="*", default=[])
    ap.add_argument("--peer-cache", type=Path, help="keep the peers' rankings (and times) "
                    "here and reuse them: settings of ours are compared without re-running them")
    ap.add_argument("--suite", choices=("words", "meaning", "meaning-tune", "meaning-held",
                                        "subareas", "subareas-tune", "subareas-held"),
                    default="words", help="words: interests judged by the rules the likes are "
                    "picked by; meaning: judged by other wordings too (recommend_interests.py)")
    ap.add_argument("--variant", action="append", default=[],
                    help="name:field=value,... a setting of ours (Params); default: ours")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
