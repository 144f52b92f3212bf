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

import re
import unicodedata
from collections.abc import Mapping, Sequence

from paperfeed.store.stems import snowball
from paperfeed.store.terms import idf, word_starts_with

K1 = 0.9  # below the usual 1.2: covering more query words beats repeating one
B = 0.75
TITLE_WEIGHT = 2.0
PAIR_WEIGHT = 0.75  # a typed pair found as typed, relative to its rarer word
stem = snowball  # the words' Snowball English stems agree


def _prefixes(words: Sequence[str]) -> tuple[list[str], dict[str, int]]:
    """How every word that may share a stem with a query word begins, and the query word
    (its index) of each stem."""
    roots: dict[str, int] = {}
    prefixes = set()
    for n, word in enumerate(words):
        root = stem(word)
        roots.setdefault(root, n)
        prefixes.add(_shared_start(root, word) or word)
    return sorted(prefixes), roots


_REST = re.compile(r"[^\W_]*")


def _found(text: str, prefixes: Sequence[str]) -> list[tuple[int, int]]:
    r"""(start, end) of each word of text that begins with a prefix, in order: what the regex
    r"\b(?:prefix|...)[^\W_]*" finds, by C string search (a regex tries every position of
    every candidate's text, much slower). A word has no start inside it, so none overlap."""
    return [(start, _word_end(text, start)) for start in sorted(word_starts_with(text, prefixes))]


def _word_end(text: str, start: int) -> int:
    match = _REST.match(text, start)  # (always matches: it may be empty)
    return match.end() if match else start


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
    prefixes, roots = _prefixes(words)
    owners: dict[str, int] = {}
    found: dict[str, tuple[list[float], float]] = {}
    for pid, (title, abstract) in texts.items():
        tf = [0.0] * len(weights)
        for field, weight in ((title, TITLE_WEIGHT), (abstract, 1.0)):
            text = _lower(field)
            last, last_end = -1, -1
            for start, end in _found(text, prefixes):
                token = text[start:end]
                n = owners.get(token)
                if n is None:
                    n = owners[token] = roots.get(stem(token), -1)
                if n < 0:
                    continue
                tf[n] += weight
                if pair_index and last >= 0 and _adjacent(text, last_end, start):
                    slot = pair_index.get((last, n))
                    if slot is not None:
                        tf[slot] += weight
                last, last_end = n, end
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
