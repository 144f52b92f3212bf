"""A learned "matches topic": a small classifier over the evidence the rules read, measured
on the same candidates and against the same reading as bench/topic_routes.py.

Each ranked paper of each (topic, window) gets a row of features the rules compute or can
compute cheaply (the share of the topic's idf-weighted words close together in the title,
the first sentence, the opening and past it; the share said anywhere; whether the close
places sit in a list; whether an acronym counts only where the paper defines it; the
similarity z-score; the rank in the topic's ranking; the rules' own verdict). The label is
the rules' fit corrected by reading. Trained on TUNE topics only, one model per embedding
model (its z-scores are its own); cross-validated leaving one tune topic out, which picks the
learner and its threshold (the lowest threshold whose out-of-fold claims are 0.9 precise in
both window sizes). --part held trains on every tune topic and scores the held ones once;
--unread lists the held claims no verdict covers yet, shuffled and unmarked, to be read
blind (and added to bench/topic_match_read.tsv) before the held figure is computed.

    .venv/bin/python bench/topic_learned.py --db /tmp/99k.db --rankings /tmp/rank-static.json
        [--model minilm-l6-v2] [--part tune|held] [--unread] [--cache /tmp/cand.pkl]
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from topic_judgements import Tally, read_verdicts
from topic_match import HELD, TUNE
from topic_routes import Candidate, arguments, features, fitting, read_truth, score, tallies

REPO = Path(__file__).resolve().parent.parent
NAMES = ("title close", "first sentence close", "opening close", "past the opening close",
         "title said", "opening said", "anywhere said", "sentences close",
         "opening close only in lists", "acronyms defined", "z", "rank", "log rank",
         "topic words", "rules match")
FEW = ("title close", "opening close", "past the opening close", "opening close only in lists",
       "z", "rules match")
TARGET = 0.9  # out-of-fold precision a threshold must reach in both window sizes
THRESHOLDS = [i / 20 for i in range(2, 20)]

Key = tuple[str, Any, str]


def main() -> None:
    ap = arguments()
    ap.add_argument("--unread", action="store_true",
                    help="with --part held: print the held claims without a verdict, no figure")
    ap.add_argument("--cache", type=Path, help="keep the candidates' evidence in this file")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from paperfeed.store import open_store

    store = open_store(f"sqlite:///{args.db}")
    tune, held = (load(store, args, rules, part) for rules, part in ((TUNE, "tune"),
                                                                   (HELD, "held")))
    truth = read_truth(store, TUNE, args.read)
    x, y, groups = table(tune, truth)
    print(f"model {args.model}: {len(tune)} tune candidates ({sum(y)} fitting by reading), "
          f"{len(held)} held; leave-one-topic-out on tune")
    best: tuple[float, str, float] | None = None
    for name, make in learners().items():
        oof = out_of_fold(make, x, y, groups)
        at = dict(zip(keys(tune), oof, strict=True))
        chosen = None
        for t in THRESHOLDS:
            if chosen is None and reaches(tallies(tune, truth, claims(at, t))):
                chosen = t
            if args.part == "tune":
                print(f"{name} >= {t:.2f}: {score(tune, truth, claims(at, t))}")
        if chosen is not None:
            rec = recall_sum(tallies(tune, truth, claims(at, chosen)))
            print(f"{name}: threshold {chosen:.2f} ({score(tune, truth, claims(at, chosen))})")
            if best is None or rec > best[0]:
                best = (rec, name, chosen)
    print(f"tune rules: {score(tune, truth, lambda c: c.matches)}")
    if best is None:
        print(f"no learner reaches {TARGET} out-of-fold precision on tune in both windows")
        return
    _, name, threshold = best
    print(f"chosen: {name} >= {threshold:.2f}")
    model = learners()[name]().fit(x, y)
    if args.part == "tune":
        show_weights(model)
        return
    probs = model.predict_proba(rows(held))[:, 1]
    at = dict(zip(keys(held), probs, strict=True))
    claim = claims(at, threshold)
    if args.unread:
        unread(store, held, claim, read_verdicts(args.read))
        return
    held_truth = read_truth(store, HELD, args.read)
    verdicts = read_verdicts(args.read)
    claimed = [c for c in held if claim(c)]
    print(f"held claims read: {sum((c.topic, c.id) in verdicts for c in claimed)}"
          f"/{len(claimed)}")
    print(f"held rules: {score(held, held_truth, lambda c: c.matches)}")
    print(f"held {name} >= {threshold:.2f}: {score(held, held_truth, claim)}")


def load(store: Any, args: argparse.Namespace, rules: dict[str, list[str]],
         part: str) -> list[Candidate]:
    from paperfeed.index.embedder import load_embedder

    path = args.cache and args.cache.with_suffix(f".{part}.pkl")
    if path and path.exists():
        found: list[Candidate] = pickle.loads(path.read_bytes())
        return found
    out = features(store, load_embedder(args.model), rules,
                   json.loads(args.rankings.read_text()))
    if path:
        path.write_bytes(pickle.dumps(out))
    return out


def row(c: Candidate) -> list[float]:
    """The features of one candidate (NAMES, in order)."""
    import math

    from paperfeed.rank import match

    total = sum(c.weights.values()) or 1.0

    def said(stems: frozenset[str]) -> float:
        return sum(c.weights.get(s, 0.0) for s in stems) / total

    opening = c.near[:match.OPENING]
    close = [n >= match.NEAR for n in opening]
    in_lists = any(close) and all(
        listed for ok, listed in zip(close, c.listed, strict=False) if ok)
    return [c.near[0] if c.near else 0.0, c.near[1] if len(c.near) > 1 else 0.0,
            max(opening, default=0.0), max(c.near[match.OPENING:], default=0.0),
            said(c.stems[0]) if c.stems else 0.0,
            said(frozenset().union(*c.stems[:match.OPENING])), c.coverage,
            float(sum(n >= match.NEAR for n in c.near)), float(in_lists),
            float(c.defined_only), c.z if c.z is not None else 0.0, float(c.rank),
            math.log1p(c.rank), float(len(c.weights)), float(c.matches)]


def rows(cands: list[Candidate]) -> Any:
    import numpy as np

    return np.array([row(c) for c in cands])


def keys(cands: list[Candidate]) -> list[Key]:
    return [(c.topic, c.window, c.id) for c in cands]


def table(cands: list[Candidate], truth: Any) -> tuple[Any, Any, Any]:
    import numpy as np

    y = np.array([c.id in fitting(truth, c.topic, *c.window) for c in cands], dtype=int)
    return rows(cands), y, np.array([c.topic for c in cands])


def learners() -> dict[str, Callable[[], Any]]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    few = [NAMES.index(n) for n in FEW]
    return {
        "logistic regression": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
        "logistic regression, six features": lambda: make_pipeline(
            FunctionTransformer(lambda x: x[:, few]), StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000)),
        "boosted trees, depth 3": lambda: HistGradientBoostingClassifier(
            max_depth=3, max_iter=150, learning_rate=0.05, min_samples_leaf=40,
            random_state=0),
    }


def out_of_fold(make: Callable[[], Any], x: Any, y: Any, groups: Any) -> Any:
    import numpy as np

    out = np.zeros(len(y))
    for topic in sorted(set(groups)):
        test = groups == topic
        out[test] = make().fit(x[~test], y[~test]).predict_proba(x[test])[:, 1]
    return out


def claims(at: dict[Key, float], threshold: float) -> Callable[[Candidate], bool]:
    return lambda c: at[(c.topic, c.window, c.id)] >= threshold


def reaches(by_size: dict[int, Tally]) -> bool:
    return all(t.tp / (t.tp + t.fp) >= TARGET if t.tp + t.fp else True
               for t in by_size.values())


def recall_sum(by_size: dict[int, Tally]) -> float:
    return sum(t.tp / (t.tp + t.fn) if t.tp + t.fn else 1.0 for t in by_size.values())


def show_weights(model: Any) -> None:
    steps = getattr(model, "named_steps", None)
    if steps:
        coef = steps["logisticregression"].coef_[0]
        names = NAMES if len(coef) == len(NAMES) else FEW
        print("weights (standardised): " + ", ".join(
            f"{n} {w:+.2f}" for n, w in sorted(zip(names, coef, strict=True),
                                                key=lambda p: -abs(p[1]))))


def unread(store: Any, held: list[Candidate], claim: Callable[[Candidate], bool],
           verdicts: dict[tuple[str, str], bool]) -> None:
    """The held claims no verdict covers, one per (topic, paper), shuffled, to read blind."""
    todo = sorted({(c.topic, c.id) for c in held if claim(c) and (c.topic, c.id) not in verdicts})
    random.Random(0).shuffle(todo)
    papers = {p.id: p for p in store.get_papers([pid for _, pid in todo])}
    print(f"{len(todo)} held claims without a verdict")
    for topic, pid in todo:
        p = papers[pid]
        print(f"\n### {topic}\t{pid}\n{p.title}\n{p.abstract}")


if __name__ == "__main__":
    main()
