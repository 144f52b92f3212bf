"""The keyword candidate index: tantivy's BM25 over every paper's title and abstract, which
proposes search's full-text candidates in a big archive.

FTS5 and PostgreSQL's tsvector read and score every paper a query's words are in, so their
cost grows with the archive, and search had to leave words out to stay in budget. tantivy
answers the OR of the query's words from compressed postings, several times faster, though
through its Python binding without block-max WAND (see COMMON). Keyword search rescores the
candidates with rank/bm25.py, as the database's; hybrid takes the index's scores as they
are (scores: the same BM25 for papers the dense side found), which reads no paper's text.

The index lives in a directory under the cache directory, named after the store (like the
vector graph), with a mark file saying which store it belongs to and how far it has got.
The index step (`paperfeed index`, the worker) adds the papers changed since the mark, in
the order they changed, one committed batch at a time: a kill loses at most a batch, and
adding a paper again replaces it. A web process opens the index read-only, reloads it when
the mark changes, and keeps the papers changed after the mark (a day's, at most TAIL) in a
small in-memory index of its own. Search falls back to the database's full text when there
is no index (below THRESHOLD papers, or on a host that has none) or it lags more than TAIL.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from paperfeed.index.keyword_layout import (
    STATE_KEY,
    TOKENIZER,
    Mark,
    analyzer,
    day_number,
    document,
    index_dir,
    open_index,
    own_mark,
    schema,
)
from paperfeed.store import Store
from paperfeed.store.shapes import ChangedPaper, TextQuery
from paperfeed.store.terms import idf

__all__ = ["THRESHOLD", "KeywordIndex", "keyword_index_for", "keyword_lag", "pending_keyword",
           "update_keyword_index"]

THRESHOLD = 30_000  # papers from which the index step keeps a keyword index
TAIL = 20_000  # papers changed after the mark that a web process indexes in memory
BATCH = 20_000  # papers per committed batch of the index step
WRITER_HEAP = 128_000_000  # bytes tantivy's writer buffers before it writes a segment
MAX_CANDIDATES = 2_000
# A query leaves out a word in more of the papers than this when its rarer ones fill the
# candidates (MAX_CANDIDATES papers between them): their papers outrank the word's alone. The
# Python binding collects hits through a MultiCollector, which never prunes by block-max
# WAND, so a search costs every posting of its words; a word in most papers ("models") costs
# most while its weight (idf) is least. Elasticsearch's cutoff_frequency did the same before
# Lucene pruned.
COMMON = 0.5
LOOK_SECONDS = 2.0  # how often a web process reads the mark for the index step's commits

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


def _big_enough(store: Store, threshold: int | None) -> bool:
    return store.count_papers() >= (THRESHOLD if threshold is None else threshold)


def pending_keyword(store: Store, cache_dir: Path | None = None,
                    threshold: int | None = None) -> int:
    """How many papers the next update_keyword_index would add (0 below threshold)."""
    mark = own_mark(store, index_dir(store, cache_dir))
    if mark is not None:
        return store.count_changed_papers(after=mark.resume(), cap=2**62)
    return store.count_papers() if _big_enough(store, threshold) else 0


def keyword_lag(store: Store, cache_dir: Path | None = None) -> int | None:
    """Papers changed since this host's keyword index of store last committed; None when
    it has none (a small archive, or the index step never ran here)."""
    mark = own_mark(store, index_dir(store, cache_dir))
    return None if mark is None else store.count_changed_papers(after=mark.after, cap=2**62)


def update_keyword_index(store: Store, *, deadline: float | None = None,
                         progress: Progress | None = None, cache_dir: Path | None = None,
                         threshold: int | None = None) -> int:
    """The index step's part: add the papers changed since the mark (all of them the first
    time, once the store holds threshold papers), a committed batch at a time, until
    deadline (time.monotonic()); how many papers were added. Another process writing the
    same index at the time is left to it (0)."""
    path = index_dir(store, cache_dir)
    mark = own_mark(store, path)
    fresh = mark is None
    if mark is None:
        if not _big_enough(store, threshold):
            return 0
        token = store.get_state(STATE_KEY)
        if token is None:  # the database's name for itself, shared by every host's index
            token = uuid.uuid4().hex
            store.set_state(STATE_KEY, token)
        mark = Mark(token, None)
    try:
        index = open_index(path, create=True)
        writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    except ValueError as error:  # tantivy's lock: another writer holds this index
        log.warning("keyword index at %s is being written elsewhere (%s); skipped", path, error)
        return 0
    added = 0
    try:
        if fresh:
            writer.delete_all_documents()
            writer.commit()
        after = mark.resume()
        while (deadline is None or time.monotonic() < deadline) and (
                read_at := datetime.now(UTC).isoformat(timespec="seconds")) and (
                batch := store.changed_papers(after=after, limit=BATCH)):
            for paper in batch:
                if not fresh:
                    writer.delete_documents_by_term("id", paper.id)
                writer.add_document(document(paper))
            writer.commit()
            after = batch[-1].cursor
            Mark(mark.token, after, read_at).write(path)
            _forget(path)
            added += len(batch)
            if progress is not None:
                progress(len(batch))
        writer.wait_merging_threads()
    finally:
        del writer  # dropping it frees tantivy's lock, also when interrupted (a traceback
        # keeps this frame, and so would keep the writer)
    return added


class KeywordIndex:
    """One store's keyword index as a web process reads it: the files up to the mark, and
    the papers changed after it in memory."""

    def __init__(self, path: Path, mark: Mark) -> None:
        self.path, self.mark = path, mark
        self.analyzer = analyzer()
        self.schema = schema()
        self._main = open_index(path, create=False)
        # the papers changed after the mark, in memory, and their ids (whose entries in the
        # files are stale): swapped as one, so a search in another thread sees a whole pair
        self._tail: tuple[tantivy.Index | None, frozenset[str]] = (None, frozenset())
        self._tail_version: str | None = None
        self._usable = False
        self.looked = time.monotonic()  # when the mark was last read

    def reopen(self, mark: Mark) -> None:
        """Read the files as of mark (the index step's newer commit); the tail is recounted."""
        self.mark = mark
        self._main.reload()
        self._tail_version = None

    def __len__(self) -> int:
        """Papers in the index's files (the tail is beside them)."""
        return int(self._main.searcher().num_docs)

    def refresh(self, store: Store) -> bool:
        """Bring the in-memory tail up to date with store (when its papers changed); whether
        the index can answer (the tail is at most TAIL papers)."""
        version = store.papers_version()
        if version == self._tail_version:
            return self._usable
        pending = store.count_changed_papers(after=self.mark.resume(), cap=TAIL + 1)
        self._usable = pending <= TAIL
        changed = store.changed_papers(after=self.mark.resume(), limit=TAIL) \
            if self._usable and pending else []
        self._tail = (self._memory_index(changed) if changed else None,
                      frozenset(p.id for p in changed))
        self._tail_version = version
        return self._usable

    def _memory_index(self, papers: Sequence[ChangedPaper]) -> tantivy.Index:
        index = tantivy.Index(self.schema)
        index.register_tokenizer(TOKENIZER, analyzer())
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        for paper in papers:
            writer.add_document(document(paper))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return index

    def candidates(self, words: Sequence[str], query: TextQuery,
                   limit: int) -> list[tuple[str, float]]:
        """The limit best papers by BM25 over any of words (query's filters applied), best
        first; a paper changed since the files were written is found by its new text."""
        tokens = self._tokens(words)
        if not tokens:
            return []
        found: dict[str, float] = {}
        tail, changed = self._tail
        for index, stale in ((self._main, changed), (tail, frozenset())):
            if index is None:
                continue
            hits = self._hits(index, self._query(self._text(index, tokens, tail), query),
                              min(limit, MAX_CANDIDATES))
            found.update((pid, score) for pid, score in hits if pid not in stale)
        return sorted(found.items(), key=lambda r: -r[1])[:limit]

    def scores(self, words: Sequence[str], ids: Sequence[str]) -> dict[str, float]:
        """BM25 over any of words for each of ids, the score candidates gives it (0 for a
        paper with none of the words): the keyword side of papers found another way."""
        out = dict.fromkeys(ids, 0.0)
        tokens = self._tokens(words)
        tail, changed = self._tail
        for index, wanted in ((self._main, [i for i in out if i not in changed]),
                              (tail, [i for i in out if i in changed])):
            if index is None or not wanted or not tokens:
                continue
            q, must = tantivy.Query, tantivy.Occur.Must
            among = q.const_score_query(q.boolean_query(  # a lookup per id: no scan
                [(tantivy.Occur.Should, q.term_query(self.schema, "id", i)) for i in wanted]), 0.0)
            query = q.boolean_query([(must, among), (must, self._text(index, tokens, tail))])
            out.update(self._hits(index, query, len(wanted)))
        return out

    def _tokens(self, words: Sequence[str]) -> list[str]:
        """The index's terms for words, without those in more than COMMON of the papers
        when the rarer ones are in enough papers to fill the most candidates asked (see
        COMMON): a search then finds as many papers as with every word."""
        tokens = list(dict.fromkeys(self.analyzer.analyze(" ".join(words))))
        if len(tokens) < 2:
            return tokens
        searchers = self._searchers()
        papers = sum(s.num_docs for s in searchers)
        counts = {t: sum(s.doc_freq("body", t) for s in searchers) for t in tokens}
        rare = [t for t in tokens if counts[t] <= COMMON * papers]
        return rare if sum(counts[t] for t in rare) >= MAX_CANDIDATES else tokens

    def _searchers(self) -> list[tantivy.Searcher]:
        """The files' searcher and the tail's (when there is one): the whole archive."""
        return [i.searcher() for i in (self._main, self._tail[0]) if i is not None]

    @staticmethod
    def _hits(index: tantivy.Index, query: tantivy.Query, limit: int) -> list[tuple[str, float]]:
        searcher = index.searcher()
        return [(searcher.doc(address)["id"][0], score)
                for score, address in searcher.search(query, limit).hits]

    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]:
        """Papers per word (its stem), in the files and the tail: what the database's full
        text would count, without reading a posting list."""
        searchers = self._searchers()
        return {w: sum(s.doc_freq("body", t) for s in searchers for t in self.analyzer.analyze(w))
                for w in words}

    def _query(self, text: tantivy.Query, query: TextQuery) -> tantivy.Query:
        q, must, should = tantivy.Query, tantivy.Occur.Must, tantivy.Occur.Should
        filters: list[Any] = []
        if query.categories:
            filters.append(q.boolean_query([(should, q.term_query(self.schema, "cat", c.lower()))
                                            for c in query.categories]))
        if query.date_from is not None or query.date_to is not None:
            filters.append(q.range_query(
                self.schema, "day", tantivy.FieldType.Integer,
                day_number(query.date_from) if query.date_from else None,
                day_number(query.date_to) if query.date_to else None))
        if query.has_code:
            filters.append(q.term_query(self.schema, "code", 1))
        if not filters:
            return text
        return q.boolean_query([(must, text), *((must, q.const_score_query(f, 0.0))
                                                for f in filters)])

    def _text(self, index: tantivy.Index, tokens: Sequence[str],
              tail: tantivy.Index | None) -> tantivy.Query:
        """Any of tokens in a paper's title or abstract, scored by BM25 as index's searcher
        does, with each word's weight in the whole archive (the files and tail)."""
        q, should = tantivy.Query, tantivy.Occur.Should
        terms = [q.term_query(self.schema, "body", t) for t in tokens]
        if tail is not None:
            terms = [q.boost_query(term, boost)
                     for term, boost in zip(terms, self._boosts(index, tokens, tail), strict=True)]
        return q.boolean_query([(should, term) for term in terms])

    def _boosts(self, index: tantivy.Index, tokens: Sequence[str],
                tail: tantivy.Index) -> list[float]:
        """Each token's idf in the whole archive over its idf in index alone. tantivy weighs
        a word by the papers of the index it searches, and a day's papers alone would make a
        rare word common: a new paper's rare words would count for less than an older
        paper's."""
        searchers = [self._main.searcher(), tail.searcher()]
        here = index.searcher()
        everywhere = sum(s.num_docs for s in searchers)
        boosts = []
        for token in tokens:
            local = here.doc_freq("body", token)
            total = sum(s.doc_freq("body", token) for s in searchers)
            boosts.append(idf(total, everywhere) / idf(local, here.num_docs) if local else 1.0)
        return boosts

    @staticmethod
    def answers(query: TextQuery) -> bool:
        """Whether query is one the index answers: plain words and the page's filters (not
        phrases, exclusions or authors, which the database's full text keeps)."""
        return not (query.all_of or query.none_of or query.authors)


_cache: dict[str, KeywordIndex] = {}
_cache_lock = threading.Lock()


def _forget(path: Path) -> None:
    """Have this process read path's mark on its next search (it has just written one)."""
    with _cache_lock:
        if (index := _cache.get(str(path))) is not None:
            index.looked = float("-inf")


def keyword_index_for(store: Store, cache_dir: Path | None = None) -> KeywordIndex | None:
    """This process's keyword index of store, reloaded when the index step has committed
    since and with its tail up to date; None when there is none for store or it lags more
    than TAIL papers (search then reads the database's full text).

    The mark file is read again at most every LOOK_SECONDS: until then the tail holds
    every paper changed after the mark this process read, so nothing is missed."""
    path = index_dir(store, cache_dir)
    key = str(path)
    with _cache_lock:
        index = _cache.get(key)
        if index is not None and time.monotonic() - index.looked < LOOK_SECONDS:
            return index if index.refresh(store) else None
    mark = Mark.read(path)
    with _cache_lock:
        index = _cache.get(key)
        if mark is None:
            _cache.pop(key, None)
            return None
        if index is None or index.mark.token != mark.token:
            if store.get_state(STATE_KEY) != mark.token:
                return None  # another database's index under the same URL
            index = _cache[key] = KeywordIndex(path, mark)
        elif index.mark != mark:  # the index step committed since: read its new files
            index.reopen(mark)
        index.looked = time.monotonic()
        return index if index.refresh(store) else None
