"""Misspelled query words: find the likeliest vocabulary word within a small edit distance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from paperfeed.store import Store
from paperfeed.store.terms import STOPWORDS, spellable

RARE_DF = 2  # a word in at most this many papers may still be a typo
BOOST = 20  # ... if a close word is this many times more common


def max_distance(word: str) -> int:
    """Edits allowed when correcting word: one for short words, two from six letters on."""
    return 1 if len(word) < 6 else 2


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours);
    any answer above limit is reported as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def best_correction(word: str, df: int, candidates: Sequence[tuple[str, int]]) -> str | None:
    """The closest candidate (then the most common), if it is worth trying instead of word.

    Typos rarely hit the first letter, so candidates must keep it (sensor is not tensor).
    """
    limit = max_distance(word)
    scored = [(edit_distance(word, term, limit), -cdf, term) for term, cdf in candidates
              if term != word and term[0] == word[0] and term not in STOPWORDS]
    close = sorted(s for s in scored if s[0] <= limit)
    if not close:
        return None
    _, neg_df, term = close[0]
    return term if df == 0 or -neg_df >= BOOST * df else None


def corrections(store: Store, words: Sequence[str],
                counts: Mapping[str, int]) -> dict[str, str]:
    """Gathers word -> a likelier vocabulary word, for query words that are unknown or very
    rare (counts: the vocabulary's document frequencies of words)."""
    checkable = [w for w in dict.fromkeys(words) if spellable(w)]
    out: dict[str, str] = {}
    for word in checkable:
        df = counts.get(word, 0)
        if df > RARE_DF:
            continue
        fixed = best_correction(word, df, store.similar_terms(word))
        if fixed is not None:
            out[word] = fixed
    return out
