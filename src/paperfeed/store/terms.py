"""Words as search sees them: one normaliser shared by the query parser and the vocabulary."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+")
VOCAB_MIN_LEN = 2  # single letters and digits are not counted
VOCAB_MAX_LEN = 30
SPELL_MIN_LEN = 4  # shorter words are never corrected
SPELL_MIN_DF = 2  # a word must be in this many papers to replace a misspelled one

# words a query or a match passes over
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not of off on once only or other our ours out over own same she
should so some such than that the their theirs them then there these they this those through
to too under until up very was we were what when where which while who whom why will with
would you your yours via using use used based towards toward paper papers approach new study
show shows propose proposed
""".split())  # noqa: SIM905 (a word list reads better as text)


def fold(text: str) -> str:
    """Lower case without diacritics (what FTS5's unicode61 remove_diacritics 2 does)."""
    if text.isascii():  # most titles and abstracts: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def words(text: str) -> list[str]:
    """The folded words of text: runs of letters and digits, in order."""
    if text.isascii():  # the same runs, found by C string methods instead of a regex
        return text.lower().translate(_ASCII_GAPS).split()
    return _WORD.findall(fold(text))


def idf(df: int, total: int) -> float:
    """BM25's inverse document frequency (never negative), as rank/bm25.py and tantivy (the
    keyword index) compute it."""
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def word_starts_with(text: str, prefixes: Iterable[str], not_after: str = "_") -> set[int]:
    """Where in text a word begins with one of prefixes: each place a prefix is found that
    follows no letter, digit or character of not_after. By C string search: a regex that
    tries every position costs several times more."""
    starts = set()
    for prefix in prefixes:
        at = text.find(prefix)
        while at >= 0:
            if at == 0 or not (text[at - 1].isalnum() or text[at - 1] in not_after):
                starts.add(at)
            at = text.find(prefix, at + 1)
    return starts


def spaced(text: str) -> str:
    """The folded words of text, each after a space (" " + " ".join(words(text))), for
    finding a word's beginning by substring search."""
    if text.isascii():
        return " " + text.lower().translate(_ASCII_GAPS)
    return " " + " ".join(_WORD.findall(fold(text)))


def vocabulary_words(text: str) -> Counter[str]:
    """Distinct words of one paper's text worth counting (2-30 letters or digits)."""
    return Counter(w for w in set(words(text)) if VOCAB_MIN_LEN <= len(w) <= VOCAB_MAX_LEN)


def spellable(word: str) -> bool:
    """Whether word may be corrected or be a correction: letters only, 4-30 long."""
    return SPELL_MIN_LEN <= len(word) <= VOCAB_MAX_LEN and word.isalpha()


def document_frequencies(texts: Iterable[str]) -> Counter[str]:
    """In how many of texts each vocabulary word occurs."""
    total: Counter[str] = Counter()
    for text in texts:
        total.update(vocabulary_words(text))
    return total


def trigrams(word: str) -> list[str]:
    """The distinct three-letter pieces of "^word$", in order of first appearance."""
    padded = f"^{word}$"
    return list(dict.fromkeys(padded[i:i + 3] for i in range(len(padded) - 2)))
