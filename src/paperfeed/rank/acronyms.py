"""Acronyms a topic's papers define: "large language models (LLMs)", "(VQA)" after "visual
question answering". Papers name a method by its acronym once it is defined, so a topic typed
in full should find the acronym, and one typed as an acronym the words; the definitions are
read from the papers themselves (the topic's best keyword matches), never from a fixed list.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from paperfeed.index.keyword_index import keyword_index_for
from paperfeed.store import Store
from paperfeed.store.base import TextQuery
from paperfeed.store.definitions import Definition, definitions, paper_definitions, unpack
from paperfeed.store.stems import FORMAT
from paperfeed.store.terms import STOPWORDS

READ = 40  # papers read for definitions
SEEDS = 2  # the topic's rarest words that pick them
SEEN = 2  # papers that must define an acronym the same way
MIN_LETTERS = 3  # shorter acronyms (AD, SD) mean too many things
_lock = threading.Lock()
_found: dict[tuple[str, str, tuple[str, ...]], Aliases] = {}


@dataclass(frozen=True)
class Aliases:
    """short: acronym stem -> the stems it stands for; long: stems of a long form -> the
    topic's acronym stem it spells."""

    short: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    long: Mapping[tuple[str, ...], str] = field(default_factory=dict)


def spelled_out(texts: Iterable[tuple[str, str]], acronyms: Sequence[str],
                words: Sequence[str], stem: Callable[[str], str]) -> dict[str, tuple[str, ...]]:
    """The acronyms (of a query) that may stand for words of the query, as the texts (title,
    abstract) define them: acronym -> those words, as in words (empty when no text defines
    the acronym: nothing says it is not the query's). One that the texts define only with
    other words is left out.

    Initials typed in a query are often a coincidence ("film shot understanding": FSU, which
    a paper defines as a functional structure unit; "ans" from "across network slices"); one
    spelled out in the query's own words ("layer-wise relevance propagation (LRP)") or never
    spelled out names what the reader means.
    """
    if not acronyms:
        return {}
    by_stem = {stem(w): w for w in reversed(words)}  # the first word of a stem wins
    probe = re.compile(r"\(\s*(?:" + "|".join(map(re.escape, acronyms)) + r")s?\s*\)",
                       re.IGNORECASE)
    wanted = set(acronyms)
    ours: dict[str, tuple[str, ...]] = {}
    others: set[str] = set()
    for title, abstract in texts:
        text = f"{title}. {abstract}"
        if not probe.search(text):
            continue
        for letters, parts in definitions(text):
            form = tuple(by_stem.get(stem(p), "") for p in parts if p not in STOPWORDS)
            if letters not in wanted:
                continue
            if len(form) >= 2 and all(form):
                ours.setdefault(letters, form)
            else:
                others.add(letters)
    return {a: ours.get(a, ()) for a in acronyms if a in ours or a not in others}


def aliases(store: Store, topic_words: Sequence[str], counts: Mapping[str, int],
            stem: Callable[[str], str]) -> Aliases:
    """The acronyms the topic's papers define that bear on the topic's words: one whose
    long form is among the topic's words, or a topic word that is an acronym and its long
    form. topic_words: folded, as typed; counts: papers per word. Kept per store version
    (topics repeat across subscribers and digests)."""
    key = (store.url, store.data_version(), tuple(topic_words))
    with _lock:
        found = _found.get(key)
    if found is None:
        found = _aliases(store, topic_words, counts, stem)
        with _lock:
            if len(_found) > 4096:
                _found.clear()
            _found[key] = found
    return found


def _best_matches(store: Store, topic_words: Sequence[str],
                  counts: Mapping[str, int]) -> list[list[Definition]]:
    """What the topic's READ best keyword matches in the whole store by its SEEDS rarest
    words (counts: papers per word), the papers most likely to define its acronyms, define,
    best first: as `paperfeed index` stored it with their openings, else read from them."""
    seeds = sorted((w for w in topic_words if counts.get(w)), key=lambda w: counts[w])[:SEEDS]
    ranked: list[tuple[str, float]] = []
    if seeds and (index := keyword_index_for(store)) is not None:  # a big archive's
        ranked = index.candidates(seeds, TextQuery(), READ)
    elif seeds:
        ranked = store.keyword_search(TextQuery(any_of=tuple((w,) for w in seeds)), limit=READ)
    ids = [i for i, _ in ranked]
    stored = store.openings(FORMAT, ids) if ids else {}
    unread = [i for i in ids if i not in stored]
    texts = store.texts(unread) if unread else {}
    return [unpack(stored[i].defines) if i in stored else paper_definitions(*texts[i])
            for i in ids if i in stored or i in texts]


def _aliases(store: Store, topic_words: Sequence[str], counts: Mapping[str, int],
             stem: Callable[[str], str]) -> Aliases:
    papers = _best_matches(store, topic_words, counts)
    if not papers:
        return Aliases()
    found: Counter[Definition] = Counter()
    for defined in papers:
        found.update(set(defined))
    stems = {stem(w) for w in topic_words if w not in STOPWORDS}
    short: dict[str, tuple[str, ...]] = {}
    long: dict[tuple[str, ...], str] = {}
    for (letters, parts), seen in found.most_common():
        if seen < SEEN or len(letters) < MIN_LETTERS:
            continue
        content = tuple(stem(p) for p in parts if p not in STOPWORDS)
        acronym = stem(letters)
        if len(content) >= 2 and set(content) <= stems and acronym not in short:
            short[acronym] = content
        elif acronym in stems and acronym not in long.values() and len(content) >= 2:
            long[content] = acronym
    return Aliases(short=short, long=long)


def as_used(found: Aliases, seq: Sequence[str | None],
            defined: Callable[[], Iterable[Definition]], stem: Callable[[str], str]) -> Aliases:
    """found without the acronyms a paper defines otherwise (PLM: pretrained language
    models in one paper, protein language models in another). seq: the paper's stems;
    defined: what it defines (store/definitions.py), asked only when seq has an acronym."""
    if not found.short or not found.short.keys() & set(seq):
        return found
    own = {stem(letters): tuple(stem(p) for p in parts if p not in STOPWORDS)
           for letters, parts in defined()}
    short = {a: form for a, form in found.short.items() if own.get(a, form) == form}
    return Aliases(short=short, long=found.long)
