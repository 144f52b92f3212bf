"""Our own small query language: words, "phrases", -exclusions, author:, cat:, year: filters.

Any string parses: unbalanced quotes close at the end, operators of other engines (OR, NEAR(,
*) are plain words or dropped, and the result never carries raw user text into FTS or SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from paperfeed.store.terms import STOPWORDS, words

MAX_QUERY_CHARS = 2000  # the rest of a longer query is ignored
MAX_WORDS = 32  # content words used by the keyword side
MAX_FILTERS = 16  # authors, categories and exclusions each

_TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?'
                    r'(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))')
_YEAR = re.compile(r"^(\d{4})?\s*(?:-|\.\.)?\s*(\d{4})?$")
_FIELDS = {"author": "author", "au": "author", "cat": "cat", "category": "cat", "year": "year"}


@dataclass(frozen=True)
class ParsedQuery:
    """What a reader asked for, split into the parts each search side uses."""

    words: tuple[str, ...] = ()  # content words (folded, no stopwords unless that is all)
    phrases: tuple[tuple[str, ...], ...] = ()  # quoted: every word, in order, required
    excluded: tuple[tuple[str, ...], ...] = ()  # -word or -"a phrase"
    authors: tuple[tuple[str, ...], ...] = ()  # author:name or author:"first last"
    categories: tuple[str, ...] = ()  # cat:cs.LG (cat:cs matches every cs.*)
    year_from: int | None = None
    year_to: int | None = None
    text: str = ""  # the words and phrases as typed, for the sentence encoder
    pairs: tuple[tuple[str, str], ...] = ()  # content words typed next to each other
    acronyms: tuple[str, ...] = ()  # initials of 3-5 content words typed in a row

    @property
    def boosts(self) -> tuple[tuple[str, ...], ...]:
        """Phrases that add to a paper's keyword score: the typed word pairs and the
        acronyms (see proximity_terms)."""
        return (*self.pairs, *((a,) for a in self.acronyms))

    @property
    def terms(self) -> tuple[str, ...]:
        """Words worth highlighting in results."""
        found = list(self.words) + [w for p in self.phrases for w in p]
        return tuple(dict.fromkeys(w for w in found if w not in STOPWORDS))

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def has_filters(self) -> bool:
        return bool(self.excluded or self.authors or self.categories or
                    self.year_from is not None or self.year_to is not None)


class _Builder:
    """Collects the parts of a query while its tokens are read."""

    def __init__(self) -> None:
        self.all_words: list[str] = []
        self.phrases: list[tuple[str, ...]] = []
        self.excluded: list[tuple[str, ...]] = []
        self.authors: list[tuple[str, ...]] = []
        self.categories: list[str] = []
        self.years: tuple[int | None, int | None] = (None, None)
        self.text: list[str] = []
        self.runs: list[list[tuple[str, ...]]] = [[]]  # unquoted words as typed, by token

    def add(self, neg: bool, field: str | None, raw: str, quoted: bool) -> None:
        kind = _FIELDS.get(field.lower()) if field else None
        if kind is None and field:  # an unknown field is just more words
            raw = f"{field} {raw}"
        if kind is not None or neg or quoted:
            self.runs.append([])  # words on either side were not typed next to each other
        if kind == "author":
            self._add_filter(self.authors, tuple(words(raw)), neg)
        elif kind == "cat":
            self._add_category(raw, neg)
        elif kind == "year":
            self._add_years(raw, neg)
        elif neg:
            self._add_filter(self.excluded, tuple(words(raw)), neg=False)
        else:
            self._add_text(raw, quoted)

    @staticmethod
    def _add_filter(target: list[tuple[str, ...]], tokens: tuple[str, ...], neg: bool) -> None:
        if tokens and not neg and len(target) < MAX_FILTERS:
            target.append(tokens)

    def _add_category(self, raw: str, neg: bool) -> None:
        cat = raw.strip()
        if cat and not neg and len(self.categories) < MAX_FILTERS and len(cat) <= 40:
            self.categories.append(cat)

    def _add_years(self, raw: str, neg: bool) -> None:
        match = _YEAR.match(raw.strip())
        if neg or match is None or not any(match.groups()):
            return
        lo, hi = (int(g) if g else None for g in match.groups())
        if "-" not in raw and ".." not in raw:
            hi = lo
        self.years = (lo, hi)

    def _add_text(self, raw: str, quoted: bool) -> None:
        tokens = words(raw)
        if not tokens:
            return
        self.text.append(raw.strip())
        if quoted and len(tokens) > 1:
            self.phrases.append(tuple(tokens))
        else:
            self.all_words.extend(tokens)
        if not quoted:
            self.runs[-1].append(tuple(tokens))

    def build(self) -> ParsedQuery:
        content = [w for w in self.all_words if w not in STOPWORDS and len(w) > 1]
        chosen = content or ([] if self.phrases else self.all_words)
        return ParsedQuery(
            words=tuple(dict.fromkeys(chosen))[:MAX_WORDS],
            phrases=tuple(dict.fromkeys(self.phrases))[:MAX_FILTERS],
            excluded=tuple(dict.fromkeys(self.excluded)),
            authors=tuple(self.authors),
            categories=tuple(dict.fromkeys(self.categories)),
            year_from=self.years[0],
            year_to=self.years[1],
            text=" ".join(self.text),
            **proximity_terms(self.runs),
        )


def _content(word: str) -> bool:
    return word not in STOPWORDS and len(word) > 1


def proximity_terms(runs: list[list[tuple[str, ...]]]) -> dict[str, Any]:
    """Word pairs and acronyms of the words as typed (runs of tokens, a token's words).

    Two content words typed next to each other score extra in a paper that has them next to
    each other too (the ordered-window part of the sequential dependence model, Metzler and
    Croft 2005): "harmful tasks" over papers that say harmful and tasks apart. Three to five
    content tokens in a row also ask for their initials, a hyphenated token giving one letter
    ("layer-wise relevance propagation" -> lrp), since abstracts name methods by acronym.
    Search keeps only the acronyms that papers use (bench/RESULTS.md, "Relevance").
    """
    pairs: list[tuple[str, str]] = []
    acronyms: list[str] = []
    for run in runs:
        flat = [w for token in run for w in token]
        pairs += [(a, b) for a, b in pairwise(flat)
                  if _content(a) and _content(b)]
        acronyms += _acronyms(run)
    acronyms = [a for a in dict.fromkeys(acronyms) if a not in STOPWORDS]
    return {"pairs": tuple(dict.fromkeys(pairs))[:MAX_WORDS],
            "acronyms": tuple(acronyms)[:MAX_FILTERS]}


def _acronyms(run: list[tuple[str, ...]]) -> list[str]:
    """Initials of every 3 to 5 content tokens in a row (letters only) within one run."""
    out: list[str] = []
    streak: list[str] = []
    for token in [*run, ()]:
        if token and all(w.isalpha() for w in token) and not (len(token) == 1 and
                                                              not _content(token[0])):
            streak.append(token[0][0])
            continue
        out += ["".join(streak[i:j]) for i in range(len(streak))
                for j in range(i + 3, min(len(streak), i + 5) + 1)]
        streak = []
    return out


def parse_query(query: str) -> ParsedQuery:
    """Parse any string into a ParsedQuery; never raises."""
    builder = _Builder()
    for match in _TOKEN.finditer(query[:MAX_QUERY_CHARS]):
        quoted = match.group("quoted")
        raw = quoted if quoted is not None else match.group("bare") or ""
        builder.add(bool(match.group("neg")), match.group("field"), raw, quoted is not None)
    return builder.build()
