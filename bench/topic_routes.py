"""Other rules for "matches topic", measured on the same candidates as bench/topic_match.py.

For each (topic, window) of the kept rankings (bench/topic_match.py --rankings), every ranked
paper's evidence is read once (rank/match.py's pieces: the topic's stems at each place, per
sentence), and each rule below decides from it; precision and recall against the rules
corrected by reading (bench/topic_match_read.tsv), micro-averaged per window size, with the
windows without a fitting paper kept empty. TUNE topics by default: rules are chosen there;
--part held reports the held-back ones (run it once, after choosing).

    .venv/bin/python bench/topic_routes.py --db /tmp/99k.db --rankings /tmp/rank-static.json
        [--model minilm-l6-v2] [--part tune|held]

Rules: "match" (rank/match.py as it is); the opening read to k sentences; a topic named only
in a list ("such as X", "X, Y and Z") not counted; an acronym counted only where the paper
defines it; routes OR-ed with "match" (every word in the opening, similarity alone, every word
anywhere with a high similarity); and the misses of "match" by kind.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from topic_judgements import Tally, corrected, read_verdicts
from topic_match import HELD, TUNE, fits

REPO = Path(__file__).resolve().parent.parent
SENTENCES = 8  # sentences read per paper for the rules that look past the opening
_LISTED_BEFORE = re.compile(r"(?:\bsuch as|\blike|\bincluding|\be\.g\.,?|\bfor example,?"
                            r"|\bfor instance,?|\bnamely,?)\s+(?:\w+\s+){0,2}$")
_JOINED_BEFORE = re.compile(r"(?:,|\band|\bor|/|;)\s*(?:\w+\s+)?$")
_JOINED_AFTER = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:,|and\b|or\b|/|;)")


@dataclass
class Candidate:
    """One ranked paper of one (topic, window), as the rules see it."""

    topic: str
    window: tuple[date, int]  # first day, days
    id: str
    rank: int
    weights: dict[str, float]  # the topic's stems and their weights (one dict per topic)
    matches: bool  # rank/match.py's verdict
    coverage: float  # topic weight anywhere
    z: float | None
    near: list[float]  # per sentence (title first): topic weight close together
    stems: list[frozenset[str]]  # per sentence: the topic's stems said
    listed: list[bool]  # per sentence: every close-together place is in a list
    defined_only: bool  # still matches with acronyms counted only where the paper defines them


def arguments() -> argparse.ArgumentParser:
    """The options of the scripts that score topic candidates against reading."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--model", default="minilm-static-256")
    ap.add_argument("--rankings", type=Path, required=True,
                    help="bench/topic_match.py's kept rankings (same database and model)")
    ap.add_argument("--read", type=Path, default=REPO / "bench" / "topic_match_read.tsv")
    ap.add_argument("--part", choices=("tune", "held"), default="tune")
    return ap


def main() -> None:
    args = arguments().parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from paperfeed.index.embedder import load_embedder
    from paperfeed.store import open_store

    store = open_store(f"sqlite:///{args.db}")
    rules = TUNE if args.part == "tune" else HELD
    truth = read_truth(store, rules, args.read)
    candidates = features(store, load_embedder(args.model), rules,
                          json.loads(args.rankings.read_text()))
    print(f"{args.part} topics, model {args.model}, {len(candidates)} ranked candidates; "
          "precision / recall (TP / FP / FN; empty windows kept)")
    for name, rule in named_rules().items():
        print(f"{name}: {score(candidates, truth, rule)}")
    misses(candidates, truth)


def read_truth(store: Any, rules: dict[str, list[str]],
               read: Path) -> dict[str, dict[date, set[str]]]:
    """The rules' fits per topic and day, with every paper judged by reading put where
    reading put it."""
    truth: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for paper in store.iter_papers():
        if paper.day is not None:
            for topic, ok in fits(rules, paper.title, paper.abstract).items():
                if ok:
                    truth[topic][paper.day].add(paper.id)
    return corrected(truth, read_verdicts(read), store)


def features(store: Any, embedder: Any, rules: dict[str, list[str]],
             kept: dict[str, list[str]]) -> list[Candidate]:
    from paperfeed.rank import match

    topics = {t: match.prepare(store, t, embedder) for t in rules}
    weights = {t: dict(p.weights) for t, p in topics.items()}
    out = []
    for key, ids in kept.items():
        topic, lo, hi = key.split("|")
        if topic not in rules:
            continue
        first, last = date.fromisoformat(lo), date.fromisoformat(hi)
        prepared = topics[topic]
        sims = match.similarities(store, prepared, ids, embedder)
        for rank, paper in enumerate(store.get_papers(ids)):
            out.append(candidate(prepared, weights[topic], paper, sims.get(paper.id), rank,
                                 (first, (last - first).days + 1)))
    return out


def candidate(topic: Any, weights: dict[str, float], paper: Any, similarity: float | None,
              rank: int, window: tuple[date, int]) -> Candidate:
    from paperfeed.rank import match
    from paperfeed.rank.acronyms import Aliases, as_used
    from paperfeed.store.definitions import definitions, paper_definitions
    from paperfeed.store.stems import SENTENCE
    from paperfeed.store.terms import STOPWORDS

    ev = match.evidence(topic, paper, similarity)
    stems = match.tokens(paper.title, paper.abstract)
    using = as_used(topic.aliases, stems, lambda: paper_definitions(paper.title, paper.abstract),
                    match.stem)
    seq = match.places(topic, stems, using)
    sentences = [paper.title, *SENTENCE.split(paper.abstract)][:SENTENCES]
    per: list[list[frozenset[str]]] = [[]]
    for place in seq:
        if place is None:
            per.append([])
        else:
            per[-1].append(place)
    per = per[:len(sentences)]
    total, span = topic.total or 1.0, len(topic.weights) + match.SPAN
    near = [match._near(topic.weights, [*s, None], span) / total for s in per]
    own = {match.stem(a): tuple(match.stem(p) for p in parts if p not in STOPWORDS)
           for a, parts in definitions(f"{paper.title}. {paper.abstract}")}
    defined = Aliases(short={a: f for a, f in using.short.items() if own.get(a) == f},
                      long=using.long)
    strict_seq = match.places(topic, stems, defined)
    opening = match._opening(strict_seq)
    defined_only = (ev.z is None or (match._near(topic.weights, opening, span) / total
                                     >= match.NEAR and ev.z >= match.FLOOR))
    return Candidate(
        topic=topic.text, window=window, id=paper.id, rank=rank, weights=weights,
        matches=ev.matches,
        coverage=ev.coverage, z=ev.z, near=near,
        stems=[frozenset().union(*s) for s in per],
        listed=[_listed(topic, s, using, span) for s in sentences],
        defined_only=defined_only and ev.matches)


def _listed(topic: Any, sentence: str, using: Any, span: int) -> bool:
    """Whether every place where the sentence says the topic's words close together is in
    a list: after "such as", "like", "including", "e.g.", or joined to another item by a
    comma, "and", "or" or a slash with two commas near."""
    from paperfeed.rank import match
    from paperfeed.store.terms import STOPWORDS, fold

    text = fold(sentence)
    words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", text)
             if m.group() not in STOPWORDS]
    seq = match.places(topic, [match.stem(w) for w, _, _ in words], using)
    total = topic.total or 1.0
    places = []
    for i, first in enumerate(seq):
        found: set[str] = set()
        for j in range(i, min(i + span, len(seq))) if first else ():
            found |= seq[j] or set()
            if sum(topic.weights[s] for s in found) / total >= match.NEAR - 1e-9:
                places.append((words[i][1], words[j][2]))
                break
    return bool(places) and all(
        _LISTED_BEFORE.search(text[:a]) is not None or (
            text[max(0, a - 60):b + 60].count(",") >= 2 and (
                _JOINED_BEFORE.search(text[:a]) is not None or
                _JOINED_AFTER.search(text[b:]) is not None))
        for a, b in places)


Rule = Callable[[Candidate], bool]


def named_rules() -> dict[str, Rule]:
    from paperfeed.rank import match

    def z(c: Candidate) -> float:
        return c.z if c.z is not None else -99.0

    def opening_words(c: Candidate, k: int) -> bool:
        return _share(c, frozenset().union(*c.stems[:k])) >= 0.99

    def close_in(k: int) -> Rule:
        return lambda c: (any(n >= match.NEAR for n in c.near[:k]) and
                          (c.z is None or z(c) >= match.FLOOR))

    def opening_near(floor: float) -> Rule:
        return lambda c: c.matches or (opening_words(c, 4) and z(c) >= floor)

    def similar(floor: float) -> Rule:
        return lambda c: c.matches or z(c) >= floor

    out: dict[str, Rule] = {"match": lambda c: c.matches}
    for k in (2, 3, 4, 5, 6):
        out[f"close together in the first {k} sentences"] = close_in(k)
    out["match, a topic named only in a list not counted"] = lambda c: c.matches and not (
        _said_close(c) and all(listed for n, listed in zip(c.near[:match.OPENING], c.listed,
                                                            strict=False) if n >= match.NEAR))
    out["match, acronyms only where the paper defines them"] = lambda c: c.defined_only
    out["match or every word in the opening"] = lambda c: c.matches or opening_words(c, 4)
    for floor in (3.0, 4.0):
        out[f"match or every word in the opening with z >= {floor:g}"] = opening_near(floor)
    for floor in (4.0, 5.0, 6.0):
        out[f"match or z >= {floor:g}"] = similar(floor)
    out["match or every word anywhere, z >= 5, in the window's top 3"] = (
        lambda c: c.matches or (c.coverage >= 0.99 and z(c) >= 5 and c.rank < 3))
    return out


def _said_close(c: Candidate) -> bool:
    """Whether an opening sentence says the topic's words close together."""
    from paperfeed.rank import match

    return any(n >= match.NEAR for n in c.near[:match.OPENING])


def _share(c: Candidate, said: frozenset[str]) -> float:
    """The share of the topic's word weight among the stems said."""
    total = sum(c.weights.values())
    return sum(c.weights.get(s, 0.0) for s in said) / total if total else 0.0


def tallies(candidates: list[Candidate], truth: dict[str, dict[date, set[str]]],
            rule: Rule) -> dict[int, Tally]:
    """Per window size (days), the rule's claims against reading."""
    by_size: dict[int, Tally] = defaultdict(Tally)
    windows: dict[tuple[str, tuple[date, int]], set[str]] = defaultdict(set)
    for c in candidates:
        windows[(c.topic, c.window)]
        if rule(c):
            windows[(c.topic, c.window)].add(c.id)
    for (topic, (first, days)), claimed in windows.items():
        by_size[days].add(claimed, fitting(truth, topic, first, days))
    return by_size


def score(candidates: list[Candidate], truth: dict[str, dict[date, set[str]]],
          rule: Rule) -> str:
    by_size = tallies(candidates, truth, rule)
    return "; ".join(f"{'day' if days == 1 else 'week'} {t.pr()} ({t.counts()}; {t.empty()})"
                     for days, t in sorted(by_size.items()))


def fitting(truth: dict[str, dict[date, set[str]]], topic: str, first: date,
            days: int) -> set[str]:
    last = first + timedelta(days=days - 1)
    return {i for d, ids in truth.get(topic, {}).items() if first <= d <= last for i in ids}


def misses(candidates: list[Candidate], truth: dict[str, dict[date, set[str]]]) -> None:
    """What the weekly fits that "match" leaves out have of the topic."""
    kinds: Counter[str] = Counter()
    ranked: dict[tuple[str, date], set[str]] = defaultdict(set)
    for c in candidates:
        if c.window[1] != 7:
            continue
        ranked[(c.topic, c.window[0])].add(c.id)
        if c.matches or c.id not in fitting(truth, c.topic, *c.window):
            continue
        if _said_close(c):
            kinds["close together in the opening, less similar than usual"] += 1
        elif any(n >= 0.9 for n in c.near):
            kinds["close together, only past the opening"] += 1
        elif c.coverage < 0.99:
            kinds["a topic word missing (said in other words)"] += 1
        elif len(c.near) and _all_in_one(c):
            kinds["every word in one sentence, never close together"] += 1
        else:
            kinds["every word, never all in one sentence"] += 1
    kinds["not ranked"] = sum(len(fitting(truth, t, first, 7) - ids)
                              for (t, first), ids in ranked.items())
    print("weekly fits left out by match: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))


def _all_in_one(c: Candidate) -> bool:
    return any(_share(c, said) >= 0.99 for said in c.stems)


if __name__ == "__main__":
    main()
