"""BM25 over every word of a query, for a bounded set of candidate papers, from their text.

A full-text engine ranks by scoring every paper that has any query word; a descriptive
query's words are each in thousands of papers, and that work grows with the corpus. Search
instead asks the engine only for the papers of the query's rarer words (and, in hybrid, the
dense side's nearest papers) and scores those candidates here with all the words: the classic
split of a query into the lists worth reading and the ones only worth looking up.

Words match when their Snowball English stems agree (what PostgreSQL's English configuration
does, and close to FTS5's Porter stemmer); title words count TITLE_WEIGHT times (BM25F with one
length per paper).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence

import Stemmer

K1 = 0.9  # below the usual 1.2: covering more query words beats repeating one
B = 0.75
TITLE_WEIGHT = 2.0
PAIR_WEIGHT = 0.75  # a typed pair found as typed, relative to its rarer word
_local = threading.local()  # PyStemmer's stemmers are not thread-safe: one per thread


def stem(word: str) -> str:
    """The word's Snowball English stem."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    found: str = stemmer.stemWord(word)
    return found


def _pattern(words: Sequence[str]) -> tuple[re.Pattern[str], dict[str, int]]:
    """A regex finding every word that may share a stem with a query word, and the query
    word (its index) of each stem."""
    roots: dict[str, int] = {}
    prefixes = set()
    for n, word in enumerate(words):
        root = stem(word)
        roots.setdefault(root, n)
        prefixes.add(_shared_start(root, word) or word)
    body = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(r"\b(?:" + body + r")[^\W_]*"), roots


def _shared_start(a: str, b: str) -> str:
    end = 0
    while end < min(len(a), len(b)) and a[end] == b[end]:
        end += 1
    return a[:end]


def _lower(text: str) -> str:
    """Lower case; accents dropped from non-ASCII text (as the query's words are folded)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def idf(df: int, total: int) -> float:
    """BM25's inverse document frequency (never negative)."""
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def scores(texts: Mapping[str, tuple[str, str]], words: Sequence[str],
           counts: Mapping[str, int], total: int,
           pairs: Sequence[tuple[str, str]] = ()) -> dict[str, float]:
    """BM25F of each paper (texts: id -> title, abstract) for words, with counts (papers
    per word) and total (papers) for the word weights; papers with no word score 0.

    pairs (query words typed next to each other) count as more terms, found where the
    paper has them next to each other too, weighted as their rarer word times PAIR_WEIGHT
    (the ordered-window feature of the sequential dependence model).
    """
    words = list(dict.fromkeys(words))
    if not words or not texts:
        return dict.fromkeys(texts, 0.0)
    index = {w: n for n, w in enumerate(words)}
    slots = [(index[a], index[b]) for a, b in dict.fromkeys(pairs) if a in index and b in index]
    weights = [idf(counts.get(w, 0), max(total, 1)) for w in words]
    weights += [PAIR_WEIGHT * max(weights[a], weights[b]) for a, b in slots]
    pair_index = {pair: len(words) + n for n, pair in enumerate(slots)}
    pattern, roots = _pattern(words)
    owners: dict[str, int] = {}
    found: dict[str, tuple[list[float], float]] = {}
    for pid, (title, abstract) in texts.items():
        tf = [0.0] * len(weights)
        for field, weight in ((title, TITLE_WEIGHT), (abstract, 1.0)):
            text = _lower(field)
            last, last_end = -1, -1
            for match in pattern.finditer(text):
                token = match.group()
                n = owners.get(token)
                if n is None:
                    n = owners[token] = roots.get(stem(token), -1)
                if n < 0:
                    continue
                tf[n] += weight
                if pair_index and last >= 0 and _adjacent(text, last_end, match.start()):
                    slot = pair_index.get((last, n))
                    if slot is not None:
                        tf[slot] += weight
                last, last_end = n, match.end()
        found[pid] = (tf, TITLE_WEIGHT * len(title) + len(abstract))
    average = sum(length for _, length in found.values()) / len(found) or 1.0
    out = {}
    for pid, (tf, length) in found.items():
        norm = K1 * (1.0 - B + B * length / average)
        out[pid] = 0.0 + sum(w * t * (K1 + 1.0) / (t + norm)
                             for w, t in zip(weights, tf, strict=True) if t)
    return out


_GAP = re.compile(r"[^\w]{0,3}")


def _adjacent(text: str, end: int, start: int) -> bool:
    """Whether nothing but a space or punctuation lies between two words."""
    return start - end <= 3 and _GAP.fullmatch(text, end, start) is not None
