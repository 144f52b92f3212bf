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
from paperfeed.store.terms import STOPWORDS, fold

READ = 40  # papers read for definitions
SEEDS = 2  # the topic's rarest words that pick them
SEEN = 2  # papers that must define an acronym the same way
MIN_LETTERS = 3  # shorter acronyms (AD, SD) mean too many things
MAX_LONG = 8  # words a long form may have
_DEFINED = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9-]{1,9})\s*\)")
_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # a hyphenated compound may give one letter
_lock = threading.Lock()
_found: dict[tuple[str, str, tuple[str, ...]], Aliases] = {}


@dataclass(frozen=True)
class Aliases:
    """short: acronym stem -> the stems it stands for; long: stems of a long form -> the
    topic's acronym stem it spells."""

    short: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    long: Mapping[tuple[str, ...], str] = field(default_factory=dict)


def _letters(acronym: str) -> str | None:
    """The letters of a written acronym (two capitals at least; a plural s dropped)."""
    if sum(c.isupper() for c in acronym) < 2:
        return None
    if acronym.endswith("s") and sum(c.isupper() or c.isdigit() for c in acronym[:-1]) >= 2:
        acronym = acronym[:-1]
    return fold(acronym.replace("-", ""))


def _spells(letters: str, parts: Sequence[str], first: bool = True) -> bool:
    """Whether the parts, in order, spell letters: each content part gives its first letter
    and maybe more of its letters in order (NeRF, 3DGS, SAE for sparse autoencoder), a stop
    word may give none (MoE, SLAM)."""
    if not parts:
        return not letters
    head, rest = parts[0], parts[1:]
    if not first and head in STOPWORDS and _spells(letters, rest, False):
        return True
    if not letters or letters[0] != head[0]:
        return False
    return any(_within(letters[1:j], head[1:]) and _spells(letters[j:], rest, False)
               for j in range(1, len(letters) + 1))


def _within(letters: str, word: str) -> bool:
    """Whether letters occur in word in order."""
    found = iter(word)
    return all(c in found for c in letters)


def definitions(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(acronym letters, long form's words) for each "long form (ACRONYM)" in text. A
    hyphenated compound spells one letter or one per part ("pre-trained language models
    (PLMs)", "mixture-of-experts (MoE)")."""
    out = []
    for found in _DEFINED.finditer(text):
        letters = _letters(found.group(1))
        if not letters:
            continue
        before = re.split(r"[()]", text[max(0, found.start() - 120):found.start()])[-1]
        parts = _COMPOUND.findall(fold(before))[-MAX_LONG:]
        for k in range(1, len(parts) + 1):
            tail = parts[-k:]
            words = [w for p in tail for w in p.split("-")]
            if tail[0] not in STOPWORDS and (_spells(letters, words) or _spells(letters, tail)):
                out.append((letters, tuple(words)))
                break
    return out


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
                  counts: Mapping[str, int]) -> dict[str, tuple[str, str]]:
    """The topic's READ best keyword matches in the whole store by its SEEDS rarest words
    (counts: papers per word), the papers most likely to define its acronyms: id ->
    (title, abstract), best first."""
    seeds = sorted((w for w in topic_words if counts.get(w)), key=lambda w: counts[w])[:SEEDS]
    ranked: list[tuple[str, float]] = []
    if seeds and (index := keyword_index_for(store)) is not None:  # a big archive's
        ranked = index.candidates(seeds, TextQuery(), READ)
    elif seeds:
        ranked = store.keyword_search(TextQuery(any_of=tuple((w,) for w in seeds)), limit=READ)
    ids = [i for i, _ in ranked]
    texts = store.texts(ids) if ids else {}
    return {i: texts[i] for i in ids if i in texts}


def _aliases(store: Store, topic_words: Sequence[str], counts: Mapping[str, int],
             stem: Callable[[str], str]) -> Aliases:
    texts = _best_matches(store, topic_words, counts)
    if not texts:
        return Aliases()
    found: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for title, abstract in texts.values():
        found.update(set(definitions(f"{title}. {abstract}")))
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


def as_used(found: Aliases, seq: Sequence[str | None], title: str, abstract: str,
            stem: Callable[[str], str]) -> Aliases:
    """found without the acronyms a paper defines otherwise (PLM: pretrained language
    models in one paper, protein language models in another). seq: the paper's stems."""
    if not found.short or not found.short.keys() & set(seq):
        return found
    own = {stem(letters): tuple(stem(p) for p in parts if p not in STOPWORDS)
           for letters, parts in definitions(f"{title}. {abstract}")}
    short = {a: form for a, form in found.short.items() if own.get(a, form) == form}
    return Aliases(short=short, long=found.long)
