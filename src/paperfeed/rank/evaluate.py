"""Relevance metrics (MRR@k, Recall@k, nDCG@k) over judged queries, per query kind."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Judged:
    """A query with the ids of the papers that answer it."""

    q: str
    relevant: frozenset[str]
    kind: str = "all"


@dataclass(frozen=True)
class Scores:
    """Mean metrics over n queries."""

    mrr: float
    recall: float
    ndcg: float
    n: int


def load_judged(path: Path) -> list[Judged]:
    """Queries from a JSONL file of {"q", "relevant": [ids], "kind"} objects."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Judged(row["q"], frozenset(row["relevant"]), row.get("kind", "all")))
    return out


def reciprocal_rank(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    for rank, pid in enumerate(ranked[:k], start=1):
        if pid in relevant:
            return 1.0 / rank
    return 0.0


def recall(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def ndcg(ranked: Sequence[str], relevant: frozenset[str], k: int = 10) -> float:
    gain = sum(1.0 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def evaluate(run: Callable[[str], Sequence[str]], queries: Sequence[Judged],
             k: int = 10) -> dict[str, Scores]:
    """Scores per query kind, plus "all", for a function from query text to ranked ids."""
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for judged in queries:
        ranked = list(run(judged.q))
        metrics = (reciprocal_rank(ranked, judged.relevant, k),
                   recall(ranked, judged.relevant, k), ndcg(ranked, judged.relevant, k))
        for kind in (judged.kind, "all"):
            rows.setdefault(kind, []).append(metrics)
    return {kind: _mean(vals) for kind, vals in rows.items()}


def _mean(vals: list[tuple[float, float, float]]) -> Scores:
    n = len(vals)
    return Scores(mrr=sum(v[0] for v in vals) / n, recall=sum(v[1] for v in vals) / n,
                  ndcg=sum(v[2] for v in vals) / n, n=n)
