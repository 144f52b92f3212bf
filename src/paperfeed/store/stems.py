"""Stems as topic matching reads them, and a paper's opening in stems: what `paperfeed index`
stores per paper (index/openings.py) so a search page's match count reads short rows of
stems instead of cutting and stemming hundreds of abstracts (rank/match.py)."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import filterfalse

import Stemmer

from paperfeed.store.definitions import MADE_WITH as DEFINITIONS_MADE_WITH
from paperfeed.store.terms import STOPWORDS, spaced, words

OPENING = 4  # sentences read for the topic's words: the title and the first three
TAIL = 3  # a stem's last letters that may differ from its word's (Snowball changes two at most)
_local = threading.local()  # PyStemmer documents its stemmers as not thread-safe: one per thread
_VOWELS = frozenset("aeiouy")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(])")
_JOINED = re.compile(r"\w+(?:-\w+)+")
_STOPPED = STOPWORDS.__contains__


def snowball(word: str) -> str:
    """The word's Snowball English stem (as PostgreSQL's full text stems)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    found: str = stemmer.stemWord(word)
    return found


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """snowball, and an acronym's plural as its singular (llms -> llm), which Snowball keeps
    apart."""
    if len(word) >= 4 and word.endswith("s") and not _VOWELS.intersection(word[:-1]):
        word = word[:-1]
    return snowball(word)


def sentence_stems(title: str, abstract: str) -> tuple[str | None, ...]:
    """The stems of title and abstract in order, stop words left out, None after each
    sentence; hyphenated words also count joined ("fine-tuning" gives finetun too)."""
    out: list[str | None] = []
    for sentence in (title, *SENTENCE.split(abstract)):
        out += map(stem, filterfalse(_STOPPED, words(sentence)))
        out += [stem(w.replace("-", "")) for w in joined(sentence)]
        out.append(None)
    return tuple(out)


tokens = lru_cache(maxsize=32768)(sentence_stems)  # the same paper is matched topic by topic


def joined(text: str) -> list[str]:
    """The hyphenated words of text, lower case (the regex only where a hyphen is: it
    backtracks through every word otherwise)."""
    if "-" not in text:
        return []
    return [w for chunk in text.lower().split() if "-" in chunk for w in _JOINED.findall(chunk)]


def opening(abstract: str) -> str:
    """The abstract's first OPENING - 1 sentences: with the title, the OPENING sentences
    a match reads for the words close together."""
    return " ".join(SENTENCE.split(abstract, maxsplit=OPENING - 1)[:OPENING - 1])


def opening_stems(title: str, abstract: str) -> str:
    """The stems of the paper's opening (title and first OPENING - 1 sentences) as stored:
    a line per sentence, each stem between spaces, so `f" {stem} " in stored` tells whether
    the opening has it without unpacking (unpack reads it back)."""
    lines: list[str] = []
    line: list[str] = []
    for s in sentence_stems(title, opening(abstract)):
        if s is None:
            lines.append(f" {' '.join(line)} ")
            line = []
        else:
            line.append(s)
    return "\n".join(lines)


def unpack(stored: str) -> list[str | None]:
    """tokens(title, opening(abstract)) back from opening_stems(title, abstract)."""
    out: list[str | None] = []
    for line in stored.split("\n"):
        out += line.split()
        out.append(None)
    return out


def has_all(needed: Sequence[frozenset[str]], starts: Sequence[tuple[str, ...]], title: str,
            abstract: str) -> bool:
    """Whether the paper has a stem of each set in needed (starts: word_starts(needed))."""
    found = PaperWords(title, abstract)
    return all(found.has(alts, begins) for alts, begins in zip(needed, starts, strict=True))


class PaperWords:
    """A paper's stems as tokens() gives them, looked for among the words that begin like
    them, without reading the paper in sentences: most papers that lack a stem are told by
    a substring search."""

    def __init__(self, title: str, abstract: str) -> None:
        self.text = f"{title} {abstract}"
        self.spaced = spaced(self.text)
        self.joined: str | None = None

    def has(self, alts: frozenset[str], begins: tuple[str, ...]) -> bool:
        """Whether a stem of alts is among the paper's (begins: how their words begin)."""
        if any(w not in STOPWORDS and stem(w) in alts
               for b in begins for w in _beginning(self.spaced, b)):
            return True
        if self.joined is None:
            self.joined = self.text.lower().replace("-", "")
        return any(b in self.joined for b in begins) and \
            any(stem(w.replace("-", "")) in alts for w in joined(self.text))


def word_starts(needed: Sequence[frozenset[str]]) -> list[tuple[str, ...]]:
    """For each set of stems in needed, how the words that have one of them begin: a stem
    but its last TAIL letters (at least its first letter)."""
    return [tuple({s[:max(1, len(s) - TAIL)] for s in alts}) for alts in needed]


def _beginning(spaced_words: str, begin: str) -> Iterator[str]:
    """The words of spaced_words (store.terms.spaced) that begin with begin."""
    key = " " + begin
    at = spaced_words.find(key)
    while at >= 0:
        end = spaced_words.find(" ", at + 1)
        yield spaced_words[at + 1:] if end < 0 else spaced_words[at + 1:end]
        at = spaced_words.find(key, at + 1)


# What stored openings were made with (their definitions too): rows of another format are
# made again, and read as if missing meanwhile. Bump the leading number when sentence_stems,
# opening or definitions change.
_MADE_WITH = ["2", str(OPENING), SENTENCE.pattern, _JOINED.pattern, *sorted(STOPWORDS),
              *map(stem, ("running", "studies", "llms", "generalization", "attention")),
              *DEFINITIONS_MADE_WITH]
FORMAT = zlib.crc32(" ".join(_MADE_WITH).encode()) & 0x7FFFFFFF  # an INTEGER on both backends
