"""Whether a paper matches a topic: a yes or no, separate from how search ranks.

Search ranks every paper, and the nearest ones are always there to show; a digest's
"matches topic", a topic feed and a result count must only claim papers that fit. The
evidence: the topic's informative words (each weighted by idf, so "models" counts little
and "protein" much) found close together in one sentence of the title or abstract, an
acronym the topic's papers define counting as its words (rank/acronyms.py), in the sentences
that say what a paper is about: its title and the abstract's first sentences (a paper that
names a topic only further on uses it, evaluates on it or cites it as background); and,
when the topic has a vector, how unusually similar the paper is to it for the model that
made the vectors (a z-score against the topic's similarities to papers in
general; index/calibration.py). Every threshold is a ratio or a z-score, so it means the
same at 5 k and at 1 M papers and for every model; bench/topic_match.py measures them.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import repeat
from typing import NamedTuple, Protocol

from paperfeed.index.calibration import Yardstick, yardstick
from paperfeed.index.embedder import Embedder
from paperfeed.index.vectors import index_for
from paperfeed.rank.acronyms import Aliases, aliases, as_used
from paperfeed.rank.counts import paper_count
from paperfeed.rank.query import parse_query
from paperfeed.store import Store
from paperfeed.store.base import Vectors
from paperfeed.store.definitions import Definition, paper_definitions
from paperfeed.store.definitions import unpack as unpack_definitions
from paperfeed.store.shapes import Opening
from paperfeed.store.stems import (
    FORMAT,
    OPENING,
    PaperWords,
    has_all,
    opening,
    stem,
    tokens,
    unpack,
    word_starts,
)

NEAR = 0.9  # share of the topic's word weight a paper must have close together
FLOOR = 0.0  # ... and a similarity above the topic's usual: z >= this (when it has a vector)
KEYWORD_ONLY = 0.99  # share needed anywhere when there is no vector: every word
SPAN = 1  # words are close when within the topic's word count + SPAN content words


class Text(Protocol):
    """What matching reads of a paper (a Paper has it)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...


class PaperText(NamedTuple):
    """A paper's title and abstract alone, as Store.texts reads them."""

    id: str
    title: str
    abstract: str


@dataclass(frozen=True)
class Topic:
    """A topic made ready for matching: its stems with their weights, and its vector."""

    text: str
    weights: Mapping[str, float]  # stem -> idf weight
    vector: Vectors | None = None
    scale: Yardstick | None = None
    aliases: Aliases = Aliases()

    @property
    def total(self) -> float:
        return sum(self.weights.values())


@dataclass(frozen=True)
class Evidence:
    """Why a paper does or does not match a topic."""

    coverage: float  # share of the topic's word weight anywhere in title and abstract
    near: float  # the same within one sentence of the opening, the words close together
    z: float | None  # similarity on the topic's yardstick (None: no vector)

    @property
    def matches(self) -> bool:
        """The words close together (and no less similar than usual, given a vector)."""
        if self.z is None:
            return self.coverage >= KEYWORD_ONLY
        return self.near >= NEAR and self.z >= FLOOR


def weights(topic_words: Iterable[str], counts: Mapping[str, int],
            papers: int) -> dict[str, float]:
    """idf weight per stem of the topic's words (counts: papers per word, from the store's
    vocabulary; a word no paper has weighs most), so "models" counts little beside
    "protein"; equal weights when no word tells (a word in every paper of a tiny store)."""
    n = max(papers, 1)
    out: dict[str, float] = {}
    for word in topic_words:
        weight = math.log((n + 1) / (min(counts.get(word, 0), n) + 0.5))
        key = stem(word)
        out[key] = max(out.get(key, 0.0), weight)
    if out and not any(out.values()):
        out = dict.fromkeys(out, 1.0)
    return out


def prepare(store: Store, text: str, embedder: Embedder | None = None) -> Topic:
    """A topic typed as a search query (words, "phrases"; filters are the search's job)."""
    parsed = parse_query(text)
    topic_words = list(dict.fromkeys([*parsed.words, *(w for p in parsed.phrases for w in p)]))
    counts = store.term_counts(topic_words) if topic_words else {}
    topic = Topic(text=parsed.text, weights=weights(topic_words, counts, paper_count(store)),
                  aliases=aliases(store, topic_words, counts, stem) if counts else Aliases())
    if embedder is None or not parsed.text:
        return topic
    index = index_for(store, embedder.name)
    if not len(index):
        return topic
    vector = encode(embedder, parsed.text)
    return replace(topic, vector=vector, scale=yardstick(store, index, vector))


_vectors: dict[tuple[str, str], Vectors] = {}


def encode(embedder: Embedder, text: str) -> Vectors:
    """A topic's vector, kept (topics repeat across subscribers and digests)."""
    key = (embedder.name, text)
    found = _vectors.get(key)
    if found is None:
        if len(_vectors) > 4096:
            _vectors.clear()
        found = _vectors[key] = embedder.embed([text])[0]
    return found


def evidence(topic: Topic, paper: Text, similarity: float | None) -> Evidence:
    """How well one paper fits the topic (similarity: to the topic's vector)."""
    total = topic.total
    if not total:
        return Evidence(coverage=0.0, near=0.0, z=None)
    stems = tokens(paper.title, paper.abstract)
    seq = places(topic, stems, as_used(topic.aliases, stems, partial(
        paper_definitions, paper.title, paper.abstract), stem))
    have = set().union(*(p for p in seq if p))
    coverage = sum(topic.weights[s] for s in have) / total
    opening = _opening(seq)
    near = _near(topic.weights, opening, len(topic.weights) + SPAN) / total
    z = None
    if similarity is not None and topic.scale is not None:
        z = topic.scale.z(similarity)
    return Evidence(coverage=coverage, near=near, z=z)


def _opening(seq: Sequence[frozenset[str] | None]) -> Sequence[frozenset[str] | None]:
    """seq up to the end of its OPENING-th sentence (tokens() ends each with None)."""
    ends = 0
    for i, s in enumerate(seq):
        if s is None:
            ends += 1
            if ends == OPENING:
                return seq[:i + 1]
    return seq


def places(topic: Topic, seq: Sequence[str | None],
           using: Aliases | None = None) -> list[frozenset[str] | None]:
    """The topic's stems at each place of seq (None: a sentence ends): a stem itself, the
    stems an acronym stands for, and at a long form's start the acronym it spells (using:
    the acronyms to use, the topic's by default)."""
    using = topic.aliases if using is None else using
    short, starts = using.short, _by_first(using.long)
    keys = topic.weights.keys()
    found: dict[str | None, frozenset[str] | None] = {None: None}  # what a stem gives anywhere
    for key in (*keys, *short):
        found[key] = frozenset({key} & keys | {t for t in short.get(key, ()) if t in keys})
    out = list(map(found.get, seq, repeat(_NOTHING)))  # most places: one lookup, in C
    if starts:  # a long form's start gives its acronym where the whole form follows
        for i, s in enumerate(seq):
            if s in starts:
                spelled = {a for form, a in starts[s] if tuple(seq[i:i + len(form)]) == form}
                out[i] = (found.get(s) or _NOTHING) | spelled
    return out


_NOTHING: frozenset[str] = frozenset()


def _by_first(long: Mapping[tuple[str, ...], str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The long forms by their first stem, so a place is compared only with forms starting
    there."""
    out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for form, acronym in long.items():
        if form:
            out.setdefault(form[0], []).append((form, acronym))
    return out


def _near(weights: Mapping[str, float], seq: Sequence[frozenset[str] | None],
          span: int) -> float:
    """The most topic weight found within span consecutive stems of one sentence."""
    best = 0.0
    for start, first in enumerate(seq):
        if not first:
            continue
        found: set[str] = set()
        for s in seq[start:start + span]:
            if s is None:
                break
            found |= s
        best = max(best, sum(weights[s] for s in found))
    return best


def similarities(store: Store, topic: Topic, ids: Sequence[str],
                 embedder: Embedder | None) -> dict[str, float]:
    """Each paper's similarity to the topic's vector, from the model's index (empty without
    a vector)."""
    if topic.vector is None or topic.scale is None or embedder is None:
        return {}
    return index_for(store, embedder.name).scores(topic.vector, ids)


def matching(store: Store, topic: Topic, papers: Iterable[Text],
             embedder: Embedder | None = None) -> set[str]:
    """Gathers the ids of the papers that match the topic (their similarities from the
    model's index)."""
    known: dict[str, Text] = {p.id: p for p in papers}
    return _matching_ids(store, topic, list(known), known, embedder)


class Fit:
    """evidence(topic, paper, similarity).matches for one topic, reading no more of each
    paper than the answer needs: given a similarity, its z-score, then the opening alone (the
    rest of a paper only counts when there is no similarity), the stems a match cannot do
    without looked for first (required), from the text or from the opening `paperfeed index`
    stored (stored); without one, a topic with no acronyms needs only which of its stems the
    paper has, not where."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.needed = required(topic)
        self.starts = word_starts(self.needed)
        self.needles = [tuple(f" {s} " for s in alts) for alts in self.needed]  # in stored
        keys = [frozenset({key}) for key in topic.weights]
        plain = not topic.aliases.short and not topic.aliases.long
        self.plain = list(zip(keys, topic.weights.values(), word_starts(keys),
                              strict=True)) if plain else []

    def __call__(self, paper: Text, similarity: float | None) -> bool:
        topic = self.topic
        if not topic.total:
            return False
        if similarity is None or topic.scale is None:
            if not self.plain:
                return has_all(self.needed, self.starts, paper.title, paper.abstract) and \
                    evidence(topic, paper, similarity).matches
            found = PaperWords(paper.title, paper.abstract)
            have = [weight for key, weight, begins in self.plain if found.has(key, begins)]
            return sum(have) / topic.total >= KEYWORD_ONLY
        if topic.scale.z(similarity) < FLOOR:
            return False
        first = opening(paper.abstract)
        if not has_all(self.needed, self.starts, paper.title, first):
            return False
        return self._close(tokens(paper.title, first),
                           partial(paper_definitions, paper.title, paper.abstract))

    def stored(self, opening: Opening, similarity: float) -> bool:
        """The same answer, given a similarity, from the paper's opening as `paperfeed index`
        stores it (store/stems.py opening_stems, with what the paper defines)."""
        topic = self.topic
        if not topic.total or topic.scale is None or topic.scale.z(similarity) < FLOOR:
            return False
        packed = opening.stems
        return all(any(n in packed for n in needles) for needles in self.needles) and \
            self._close(unpack(packed), partial(unpack_definitions, opening.defines))

    def _close(self, stems: Sequence[str | None],
               defined: Callable[[], Iterable[Definition]]) -> bool:
        """Whether the topic's words are close together in one sentence of stems (the
        opening's), acronyms counting as the paper defines them (defined)."""
        topic = self.topic
        seq = places(topic, stems, as_used(topic.aliases, stems, defined, stem))
        return _near(topic.weights, seq, len(topic.weights) + SPAN) / topic.total >= NEAR

    @property
    def reads_openings(self) -> bool:
        """Whether a similarity decides with the opening alone (the topic has a vector)."""
        return bool(self.topic.total) and self.topic.scale is not None


def required(topic: Topic) -> list[frozenset[str]]:
    """For each stem a match cannot do without, the stems that stand for it in a paper (its
    own, an acronym of it, the first word of a long form it abbreviates). A stem is needed
    when its weight alone exceeds what Evidence.matches lets a paper miss, so checking these
    against a paper's set of stems rejects most candidates without reading them in order."""
    total = topic.total
    if not total:
        return [frozenset()]  # nothing matches a topic without words
    slack = (1.0 - min(NEAR, KEYWORD_ONLY)) * total
    short, long = topic.aliases.short, topic.aliases.long
    return [frozenset({s, *(a for a, form in short.items() if s in form),
                       *(form[0] for form, a in long.items() if a == s and form)})
            for s, weight in topic.weights.items() if weight > slack * (1 + 1e-9)]


def matches_first(store: Store, query: str, ranked: Sequence[tuple[str, float]],
                  embedder: Embedder | None,
                  papers: Mapping[str, Text] | None = None) -> tuple[list[tuple[str, float]], int]:
    """Gathers ranked with the papers that match query first (each part in its order), and
    how many match. papers: those already read, by id (the rest are read here)."""
    found = _matching_ids(store, prepare(store, query, embedder), [pid for pid, _ in ranked],
                          dict(papers or {}), embedder)
    first = [r for r in ranked if r[0] in found]
    return first + [r for r in ranked if r[0] not in found], len(first)


def _matching_ids(store: Store, topic: Topic, ids: Sequence[str], known: dict[str, Text],
                  embedder: Embedder | None) -> set[str]:
    """The ids among ids whose papers match: by their stored openings where a similarity
    decides and `paperfeed index` has stored them, else by their text (known: texts already
    read, by id; the rest are read here)."""
    sims = similarities(store, topic, ids, embedder)
    fits = Fit(topic)
    wanted = [i for i in ids if i in sims and i not in known] if fits.reads_openings else []
    stored = store.openings(FORMAT, wanted) if wanted else {}
    unread = [i for i in ids if i not in known and i not in stored]
    if unread:
        known.update((pid, PaperText(pid, *t)) for pid, t in store.texts(unread).items())
    out = set()
    for pid in ids:
        if pid in stored:
            if fits.stored(stored[pid], sims[pid]):
                out.add(pid)
        elif pid in known and fits(known[pid], sims.get(pid)):
            out.add(pid)
    return out


def only_matching(store: Store, query: str, ranked: Sequence[tuple[str, float]],
                  embedder: Embedder | None,
                  papers: Mapping[str, Text] | None = None) -> list[tuple[str, float]]:
    """Gathers the rows of ranked whose papers match query, in order."""
    first, count = matches_first(store, query, ranked, embedder, papers)
    return first[:count]
