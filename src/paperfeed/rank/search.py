"""Search: keyword (full text), semantic (vectors) and hybrid (convex fusion), filters, sorts.

Hybrid takes the best `DEPTH` papers of the dense side and KEYWORD_DEPTH times as many of the
keyword side, gives the keyword side's papers their real similarity (a dot product) and the
dense side's their BM25 (the keyword index's own, else rank/bm25.py's from their texts),
normalises both score lists (z-scores over the union) and mixes them with DENSE_WEIGHT.
Unlike reciprocal-rank fusion this keeps a paper that one side ranks first near the top
(bench/RESULTS.md has the measurements).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from paperfeed.index.embedder import Embedder
from paperfeed.index.keyword_index import KeywordIndex, keyword_index_for
from paperfeed.index.vectors import index_for
from paperfeed.models import Hit
from paperfeed.rank import bm25
from paperfeed.rank.acronyms import spelled_out
from paperfeed.rank.counts import paper_count
from paperfeed.rank.fusion import convex
from paperfeed.rank.hits import hits_for, nearest
from paperfeed.rank.match import PaperText, Text, encode, matches_first, only_matching
from paperfeed.rank.query import ParsedQuery, parse_query
from paperfeed.rank.spelling import corrections
from paperfeed.store import Store
from paperfeed.store.base import TextQuery, Vectors, VectorSearch
from paperfeed.store.terms import words

MODES = ("keyword", "semantic", "hybrid")
SORTS = ("relevance", "date", "votes")
DEPTH = 100  # candidates from each side before fusing
MAX_DEPTH = 1000  # deepest page reachable
DENSE_WEIGHT = 0.5  # share of the semantic score in hybrid (bench/relevance.py measures it)
KEYWORD_DEPTH = 3  # the keyword side's candidates, in multiples of DEPTH
KEYWORD_BUDGET = 5_000  # papers an acronym may be in
READ_BUDGET = 20_000  # papers the full-text candidates of a query's rarer words may add up to
CANDIDATES = 300  # full-text candidates scored with every query word (rank/bm25.py)
CROWD = 10_000  # hybrid leaves out a word group whose rarest word is in more papers than this
PAIR_BUDGET = 10_000  # papers the word pairs of a query may read (their rarer words' counts)


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions chosen outside the query text (the page's filter controls)."""

    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    has_code: bool = False


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, how many results can be paged through, and the words to highlight.

    With match=True (see search) the results that match the query come first and matched
    counts them; matched_more says more may match beyond the papers ranked.
    """

    hits: list[Hit]
    total: int
    terms: tuple[str, ...]
    matched: int = 0
    matched_more: bool = False


def rare_words(words: Sequence[str], counts: Mapping[str, int],
               budget: int | None = None) -> tuple[tuple[str, ...], ...]:
    """The words whose papers are read for candidates, each alone (any of them matches):
    the rarest, then the next rarest while their papers add up to at most budget.

    Full-text ranking reads and scores every paper a word matches, so this bounds the work
    whatever the corpus size; the other words still count, in the candidates' scores
    (rank/bm25.py). counts: papers per word, exact beyond the match counts' cap (the
    vocabulary's), or a big corpus's common words all look alike and the wrong one is read.
    """
    budget = READ_BUDGET if budget is None else budget
    chosen: list[tuple[str, ...]] = []
    used = 0
    for word in sorted(dict.fromkeys(words), key=lambda w: counts.get(w, 0)):
        if chosen and used + counts.get(word, 0) > budget:
            break
        chosen.append((word,))
        used += counts.get(word, 0)
    return tuple(chosen)


def papers_per_word(words: Sequence[str], matched: Mapping[str, int],
                    known: Mapping[str, int]) -> dict[str, int]:
    """Papers per word: the full-text match count, or the vocabulary's count where that is
    larger (match counts stop at a cap; the vocabulary counts exact words only)."""
    return {w: max(matched.get(w, 0), known.get(w, 0)) for w in words}


def text_query(parsed: ParsedQuery, filters: SearchFilters,
               fixes: Mapping[str, str] | None = None, known: Mapping[str, int] | None = None,
               matched: Mapping[str, int] | None = None) -> TextQuery:
    """The store-neutral query: parsed words and every filter. A misspelled word is replaced
    by its correction when no paper has it (known: vocabulary counts), else the correction
    is tried as well; matched (papers per word) picks the words to read (see rare_words)."""
    fixes, known = fixes or {}, known or {}
    fixed = [f for w in parsed.words for f in _spellings(w, fixes, known)]
    years = (date(parsed.year_from, 1, 1) if parsed.year_from else None,
             date(parsed.year_to, 12, 31) if parsed.year_to else None)
    return TextQuery(
        any_of=rare_words(fixed, papers_per_word(fixed, matched or {}, known)),
        all_of=parsed.phrases,
        none_of=parsed.excluded,
        authors=parsed.authors,
        categories=tuple(dict.fromkeys(filters.categories + parsed.categories)),
        date_from=_later(filters.date_from, years[0]),
        date_to=_earlier(filters.date_to, years[1]),
        has_code=filters.has_code,
        boosts=boosts(parsed, fixes, known, matched or {}),
    )


def boosts(parsed: ParsedQuery, fixes: Mapping[str, str], known: Mapping[str, int],
           matched: Mapping[str, int]) -> tuple[tuple[str, ...], ...]:
    """The query's typed word pairs (misspellings fixed) and the acronyms papers use.

    Ranking reads every paper that has a pair, about as many as its rarer word's, so pairs
    are taken rarest first while those counts (matched) add up to at most PAIR_BUDGET, like rare
    words under READ_BUDGET: two common words together ("language models") would cost
    more than they sort. An acronym counts when 1 to KEYWORD_BUDGET papers use it (known:
    vocabulary counts); one nobody uses is a coincidence of initials.
    """
    def fixed(word: str) -> str:
        return fixes[word] if word in fixes and known.get(word, 0) == 0 else word

    def cost(pair: tuple[str, str]) -> int:
        return min(matched.get(w, CROWD + 1) for w in pair)

    chosen: list[tuple[str, ...]] = []
    spent = 0
    for pair in sorted(dict.fromkeys((fixed(a), fixed(b)) for a, b in parsed.pairs), key=cost):
        if spent + cost(pair) > PAIR_BUDGET:
            break
        chosen.append(pair)
        spent += cost(pair)
    acronyms = [(a,) for a in parsed.acronyms if 0 < known.get(a, 0) <= KEYWORD_BUDGET]
    return (*chosen, *acronyms)


def _spellings(word: str, fixes: Mapping[str, str], counts: Mapping[str, int]) -> tuple[str, ...]:
    if word not in fixes:
        return (word,)
    return (fixes[word],) if counts.get(word, 0) == 0 else (word, fixes[word])


def _later(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def dense_text(parsed: ParsedQuery, fixes: dict[str, str]) -> str:
    """What the sentence encoder reads: the query's words with misspellings corrected."""
    if not fixes:
        return parsed.text
    return " ".join(fixes.get(w, w) for w in words(parsed.text))


def search(store: Store, query: str, *, mode: str = "hybrid",
           filters: SearchFilters = SearchFilters(), sort: str = "relevance", limit: int = 20,
           offset: int = 0, embedder: Embedder | None = None,
           dense_weight: float | None = None, match: bool = False) -> SearchResult:
    """Gathers papers for a reader's query, best first (or by date or votes), one page at a time.

    Semantic and hybrid fall back to keyword search when no embedder is given or no paper
    has a vector from it yet. Any query string works; a query of filters only (cat:cs.LG)
    lists the matching papers newest first. match=True puts the results that match the
    query (rank/match.py) first, in their order, and counts them. dense_weight: the semantic
    side's share in hybrid (DENSE_WEIGHT, read at call time, by default).
    """
    read: dict[str, Text] = {}
    ranked, terms = search_ranked(store, query, mode=mode, filters=filters, sort=sort,
                                  need=offset + limit, embedder=embedder,
                                  dense_weight=dense_weight, read=read)
    fitting = len(ranked)
    if match and parse_query(query).has_text:
        ranked, fitting = matches_first(store, query, ranked, embedder, read)
    page = ranked[offset:offset + max(0, limit)]
    depth = min(MAX_DEPTH, max(DEPTH, offset + limit))
    return SearchResult(hits=hits_for(store, page), total=len(ranked), terms=terms,
                        matched=fitting, matched_more=match and fitting >= depth)


def matching_ids(store: Store, query: str, embedder: Embedder | None) -> list[str]:
    """The papers that match query (rank/match.py), best first, among the MAX_DEPTH best
    ranked: what the map highlights and a search's trend counts."""
    ranked, _ = search_ranked(store, query, mode="hybrid" if embedder else "keyword",
                              need=MAX_DEPTH, embedder=embedder)
    return [pid for pid, _ in only_matching(store, query, ranked, embedder)]


def search_ranked(store: Store, query: str, *, mode: str = "hybrid",
                  filters: SearchFilters = SearchFilters(), sort: str = "relevance",
                  need: int = 20, embedder: Embedder | None = None,
                  dense_weight: float | None = None, read: dict[str, Text] | None = None,
                  ) -> tuple[list[tuple[str, float]], tuple[str, ...]]:
    """Gathers search's ranking, (id, score) in order, at least `need` deep where there are
    that many (at most MAX_DEPTH), and the words to highlight; of the papers only the
    candidates' titles and abstracts are read (to score them with every word), and added
    to read when given (a match count of the same papers need not read them again)."""
    if mode not in MODES or sort not in SORTS:
        raise ValueError(f"mode must be one of {MODES} and sort one of {SORTS}")
    parsed = parse_query(query)
    known = store.term_counts([*parsed.words, *parsed.acronyms]) if parsed.words else {}
    fixes = corrections(store, parsed.words, known)
    index = keyword_index_for(store) if parsed.words else None
    looked_up = [*parsed.words, *fixes.values()]
    matched = index.doc_freqs(looked_up) if index else _match_counts(store, looked_up, known)
    tq = text_query(parsed, filters, fixes, known, matched)
    depth = min(MAX_DEPTH, max(DEPTH, need))
    scorer = _Scorer(store, parsed, fixes, known, matched,
                     read={} if read is None else read)
    text = _FullText(store, tq, scorer, index if index and index.answers(tq) else None)
    ranked = _ranked(text, _Dense.open(store, embedder, parsed, fixes, mode), mode=mode,
                     depth=depth, need=need, sort=sort,
                     weight=DENSE_WEIGHT if dense_weight is None else dense_weight,
                     matched=matched)
    terms = tuple(dict.fromkeys([*parsed.terms, *fixes.values()]))
    return _sorted(store, ranked, sort), terms


def _match_counts(store: Store, words: Sequence[str],
                  known: Mapping[str, int]) -> dict[str, int]:
    """Papers matched per word, counted up to CROWD + 1. A word the vocabulary already puts
    in more than CROWD papers is not counted again (full text matches at least the papers
    that have the word itself), which saves a scan of CROWD rows per common word."""
    crowded = {w: CROWD + 1 for w in words if known.get(w, 0) > CROWD}
    rest = [w for w in words if w not in crowded]
    return crowded | (store.match_counts(rest, cap=CROWD + 1) if rest else {})


class _Dense:
    """The semantic side of one search: the query text, encoded on first use, and the index."""

    def __init__(self, index: VectorSearch, embedder: Embedder, text: str) -> None:
        self.index, self.embedder, self.text = index, embedder, text

    @classmethod
    def open(cls, store: Store, embedder: Embedder | None, parsed: ParsedQuery,
             fixes: dict[str, str], mode: str) -> _Dense | None:
        if mode == "keyword" or embedder is None or not parsed.has_text:
            return None
        index = index_for(store, embedder.name)
        if not len(index):
            return None
        return cls(index, embedder, dense_text(parsed, fixes))

    @cached_property
    def vector(self) -> Vectors:
        return encode(self.embedder, self.text)  # kept: the page's match count reuses it

    def top(self, store: Store, tq: TextQuery, depth: int, need: int) -> list[tuple[str, float]]:
        """The best papers by similarity that pass the query's filters."""
        return nearest(store, self.index, self.vector, tq, depth, need=need)


def without_crowds(tq: TextQuery, matched: Mapping[str, int]) -> TextQuery | None:
    """tq without the word groups whose rarest word is in more than CROWD papers (matched:
    papers per word), for the keyword side of hybrid; None when nothing is left to match.

    Ranking a group reads and scores every paper that has all its words: "large language
    models" matches a quarter of a 1 M corpus, about half a second of bm25, to sort papers
    that the dense side ranks by the same meaning. Rare words, boosts and quoted phrases stay.
    """
    def crowded(group: Sequence[str]) -> bool:
        return min(matched.get(w, CROWD + 1) for w in group) > CROWD

    groups = tuple(g for g in tq.any_of if not crowded(g))
    if len(groups) == len(tq.any_of):
        return tq
    if not groups and not tq.all_of:
        return None
    return replace(tq, any_of=groups, boosts=tq.boosts if groups else ())


class _Scorer:
    """BM25 with every query word (rank/bm25.py) for the candidates of one search."""

    def __init__(self, store: Store, parsed: ParsedQuery, fixes: Mapping[str, str],
                 known: Mapping[str, int], matched: Mapping[str, int], *,
                 read: dict[str, Text]) -> None:
        self.store, self.read = store, read
        self.words = list(dict.fromkeys(f for w in parsed.words
                                        for f in _spellings(w, fixes, known)))
        self.acronyms = [a for a in parsed.acronyms if 0 < known.get(a, 0) <= KEYWORD_BUDGET
                         and a not in self.words]
        self.counts = papers_per_word([*self.words, *self.acronyms], matched, known)
        fix = {w: fixes[w] for w in fixes if known.get(w, 0) == 0}
        self.pairs = [(fix.get(a, a), fix.get(b, b)) for a, b in parsed.pairs]

    def scores(self, ids: Sequence[str]) -> dict[str, float]:
        """Gathers the papers' titles and abstracts and scores them with every word, and
        with the query's acronyms that none of them defines otherwise (one they spell out
        weighs no more than the commonest of its words: an alias, not a rarer word)."""
        texts = self.store.texts(ids)
        self.read.update((pid, PaperText(pid, *text)) for pid, text in texts.items())
        forms = spelled_out(texts.values(), self.acronyms, self.words, bm25.stem)
        counts = dict(self.counts)
        for acronym, form in forms.items():
            counts[acronym] = max(counts[acronym], *(counts[w] for w in form), 0)
        return bm25.scores(texts, [*self.words, *forms], counts, paper_count(self.store),
                           pairs=self.pairs)

    def rerank(self, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Gathers: ranked (full-text candidates, best first) by BM25 over all the words;
        the engine's order breaks ties."""
        found = self.scores([pid for pid, _ in ranked])
        order = {pid: n for n, (pid, _) in enumerate(ranked)}
        return sorted(((pid, found.get(pid, 0.0)) for pid, _ in ranked),
                      key=lambda r: (-r[1], order[r[0]]))


class _FullText:
    """The keyword side's candidates for one search: from the keyword index for every query
    word where there is one (index/keyword_index.py), else from the database's full text
    for the rarer words (tq)."""

    def __init__(self, store: Store, tq: TextQuery, scorer: _Scorer,
                 index: KeywordIndex | None) -> None:
        self.store, self.tq, self.scorer, self.index = store, tq, scorer, index

    def candidates(self, limit: int, matched: Mapping[str, int] | None = None
                   ) -> list[tuple[str, float]]:
        """The best limit papers by the engine's own ranking; matched (papers per word),
        when given, leaves the crowded words out of the database's query (hybrid)."""
        if self.index is not None:
            return self.index.candidates([*self.scorer.words, *self.scorer.acronyms], self.tq,
                                         limit)
        tq = self.tq if matched is None else without_crowds(self.tq, matched)
        return self.store.keyword_search(tq, limit=limit) if tq else []

    def scores(self, ids: Sequence[str], found: Mapping[str, float]) -> dict[str, float]:
        """Every query word's BM25 for ids. With the keyword index, its own: found (the
        candidates, as it scored them) and one lookup for the rest, which reads no text and
        ranks as well in hybrid (bench/RESULTS.md); else rank/bm25.py's over their texts."""
        if self.index is None:
            return self.scorer.scores(ids)
        rest = self.index.scores([*self.scorer.words, *self.scorer.acronyms],
                                 [pid for pid in ids if pid not in found])
        return {pid: found[pid] if pid in found else rest[pid] for pid in ids}


def _ranked(text: _FullText, dense: _Dense | None, *, mode: str, depth: int,
            need: int, sort: str, weight: float,
            matched: Mapping[str, int]) -> list[tuple[str, float]]:
    store, tq = text.store, text.tq
    if not tq.has_text:
        return store.keyword_search(tq, limit=depth) if tq.has_filters else []
    if dense is None:
        if sort == "date":
            return store.keyword_search(tq, limit=depth, order="date")
        return text.scorer.rerank(text.candidates(max(depth, CANDIDATES)))
    semantic = dense.top(store, tq, depth, need)
    if mode == "semantic" or weight >= 1.0:
        return semantic
    found = text.candidates(max(CANDIDATES, depth), matched)
    return fuse_filled(dense, text, semantic=dict(semantic), candidates=dict(found),
                       weight=weight)


def fuse_filled(dense: _Dense, text: _FullText, *, semantic: dict[str, float],
                candidates: dict[str, float], weight: float) -> list[tuple[str, float]]:
    """Convex fusion over the dense side's papers and the full-text candidates (with the
    engine's scores), each paper with both of its real scores: its similarity and its BM25
    over every query word."""
    only_kw = [pid for pid in candidates if pid not in semantic]
    semantic.update(dense.index.scores(dense.vector, only_kw))
    floor = min(semantic.values(), default=0.0)
    semantic.update((pid, floor) for pid in only_kw if pid not in semantic)
    keyword = text.scores(list(semantic), candidates)
    return convex(semantic, keyword, weight=weight)


def _sorted(store: Store, ranked: list[tuple[str, float]], sort: str) -> list[tuple[str, float]]:
    if sort == "votes":
        votes = store.vote_counts([pid for pid, _ in ranked])
        return sorted(ranked, key=lambda r: -votes.get(r[0], 0))  # stable: relevance next
    if sort == "date":
        days = {p.id: p.day for p in store.get_papers([pid for pid, _ in ranked])}
        return sorted(ranked, key=lambda r: (days.get(r[0]) or date.min), reverse=True)
    return ranked
