"""Combining ranked lists: a convex mix of normalised scores (the default) and RRF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores rescaled to [0, 1] (all 1.0 when they are equal)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def zscore(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores as standard deviations from their mean (all 0.0 when they are equal)."""
    if not scores:
        return {}
    values = list(scores.values())
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    if std <= 1e-12:
        return dict.fromkeys(scores, 0.0)
    return {k: (v - mean) / std for k, v in scores.items()}


NORMALISERS = {"zscore": zscore, "minmax": minmax}


def convex(dense: Mapping[str, float], keyword: Mapping[str, float], *, weight: float,
           normalise: str = "zscore") -> list[tuple[str, float]]:
    """weight * dense + (1 - weight) * keyword over normalised scores, best first.

    Both sides are normalised over the union of their papers; a paper missing from the
    keyword side scores 0 there (no word matched), one missing from the dense side gets
    that side's minimum. Callers fill in the real scores where they can, which is what
    makes this beat rank fusion. Ties go to the better dense score, then the id.
    """
    ids = list(dict.fromkeys([*dense, *keyword]))
    floor = min(dense.values(), default=0.0)
    norm = NORMALISERS[normalise]
    d = norm({pid: dense.get(pid, floor) for pid in ids})
    k = norm({pid: keyword.get(pid, 0.0) for pid in ids})
    fused = {pid: weight * d[pid] + (1.0 - weight) * k[pid] for pid in ids}
    return sorted(fused.items(), key=lambda kv: (-kv[1], -d[kv[0]], kv[0]))


def rrf(rankings: Sequence[Sequence[str]], *, k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the lists, best first."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
