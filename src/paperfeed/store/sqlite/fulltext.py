"""SQLite's full text: FTS5 queries, match counts and the spelling vocabulary.
 Every user word reaches FTS5 as a double-quoted token built from
store.terms.words (letters and digits only) inside a bound parameter, never as syntax.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from paperfeed.store.base import TextQuery
from paperfeed.store.sql.dialect import SQLITE
from paperfeed.store.sql.search import KeywordQueries, filters
from paperfeed.store.sqlite.connection import SqliteConnection
from paperfeed.store.terms import SPELL_MIN_DF, document_frequencies, spellable, trigrams

_CHUNK = 500
# Column weights of bm25 over (title, abstract, authors_text): title above abstract above authors.
BM25_WEIGHTS = (3.0, 1.0, 0.5)
_VOCAB_CURSOR = "search.vocab_rowid"
RANK_IN_FTS_TABLE = True  # unfiltered: rank in papers_fts, join papers for the top rows only


def _quote(tokens: Sequence[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'


def _any(groups: Sequence[Sequence[str]]) -> str:
    """Phrases, any of them."""
    return "(" + " OR ".join(_quote(g) for g in groups) + ")"


def _any_group(groups: Sequence[Sequence[str]]) -> str:
    """Groups of words, any group with all of its words."""
    alternatives = []
    for group in groups:
        words = " AND ".join(_quote([t]) for t in group)
        alternatives.append(words if len(group) == 1 else f"({words})")
    return "(" + " OR ".join(alternatives) + ")"


def _positive(query: TextQuery, ranked: bool) -> str:
    """The FTS5 expression every match must satisfy (empty: no text condition).

    With required phrases, the ranked words are OR-ed with them: they never narrow the
    match, they only count in the score. So are the boosts (word pairs, acronyms).
    """
    required = [_quote(p) for p in query.all_of]
    required += ["authors_text : " + _quote(a) for a in query.authors]
    if ranked and query.any_of:
        words = _any_group(query.any_of)
        if query.boosts:  # bm25 adds up every phrase of the expression a paper matches
            words = f"({words} OR {_any(query.boosts)})"
        required.append(f"({words} OR {_any(query.all_of)})" if query.all_of else words)
    return " AND ".join(required)


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield list(items[start:start + _CHUNK])


class SqliteFullText(KeywordQueries, SqliteConnection):
    """FTS5 search (keyword_search and filter_ids: store/sql/search.py) and the vocabulary."""

    def text_condition(self, query: TextQuery, ranked: bool) -> str:
        return _positive(query, ranked)

    def matches(self, query: TextQuery, text: str, *, order: str, limit: int, offset: int,
                within: Sequence[str] | None) -> list[tuple[str, float]]:
        if within is not None:
            return self._select_within(query, text, order=order, limit=limit,
                                       offset=offset, within=within)
        return self._run(query, text, order=order, limit=limit, offset=offset, within=None)

    def _select_within(self, query: TextQuery, positive: str, *, order: str, limit: int,
                       offset: int, within: Sequence[str]) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        for chunk in _chunks(list(dict.fromkeys(within))):
            found += self._run(query, positive, order=order, limit=len(chunk), offset=0,
                               within=chunk)
        if order == "date":
            return found[offset:offset + limit]  # each chunk was in date order; good enough
        found.sort(key=lambda r: -r[1])
        return found[offset:offset + limit]

    def _run(self, query: TextQuery, positive: str, *, order: str, limit: int, offset: int,
             within: list[str] | None) -> list[tuple[str, float]]:
        where, args = filters(SQLITE, query)
        if within is not None:
            where.append(f"p.id IN ({', '.join('?' * len(within))})")
            args += within
        excluded = _any(query.none_of) if query.none_of else ""
        if positive and not where and order != "date" and RANK_IN_FTS_TABLE:
            return self._run_text_only(positive, excluded, limit=limit, offset=offset)
        if positive:
            expr = f"({positive}) NOT {excluded}" if excluded else positive
            weights = ", ".join(str(w) for w in BM25_WEIGHTS)
            sql = (f"SELECT p.id, -bm25(papers_fts, {weights}) AS score FROM papers_fts "
                   "JOIN papers p ON p.rowid = papers_fts.rowid WHERE papers_fts MATCH ?")
            args = [expr, *args]
        else:
            sql = "SELECT p.id, 0.0 AS score FROM papers p WHERE 1"
            if excluded:
                where.append("p.rowid NOT IN (SELECT rowid FROM papers_fts "
                             "WHERE papers_fts MATCH ?)")
                args.append(excluded)
        sql += "".join(f" AND {w}" for w in where)
        sql += " ORDER BY p.day DESC, p.id DESC" if order == "date" or not positive else \
            " ORDER BY score DESC, p.id"
        rows = self.conn().execute(sql + " LIMIT ? OFFSET ?", [*args, limit, offset])
        return [(str(r[0]), float(r[1])) for r in rows]

    def _run_text_only(self, positive: str, excluded: str, *, limit: int,
                       offset: int) -> list[tuple[str, float]]:
        """Best matches by bm25 from the full-text table alone, papers joined for the top
        ones only (no filter on papers): several times faster than joining every match."""
        expr = f"({positive}) NOT {excluded}" if excluded else positive
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        rows = self.conn().execute(
            f"SELECT p.id, -f.s FROM (SELECT rowid, bm25(papers_fts, {weights}) AS s "
            "FROM papers_fts WHERE papers_fts MATCH ? ORDER BY s, rowid LIMIT ?) f "
            "JOIN papers p ON p.rowid = f.rowid ORDER BY f.s, p.id LIMIT ? OFFSET ?",
            [expr, limit + offset, limit, offset])
        return [(str(r[0]), float(r[1])) for r in rows]

    # -- spelling vocabulary ----------------------------------------------------------------

    def refresh_vocabulary(self, *, batch: int = 5000) -> int:
        with self.write() as conn:
            row = conn.execute("SELECT value FROM ingest_state WHERE key = ?",
                               (_VOCAB_CURSOR,)).fetchone()
            papers = conn.execute("SELECT rowid, title, abstract FROM papers WHERE rowid > ? "
                                  "ORDER BY rowid LIMIT ?",
                                  (int(row[0]) if row else 0, batch)).fetchall()
            if not papers:
                return 0
            counts = document_frequencies(f"{r[1]} {r[2]}" for r in papers)
            conn.executemany("INSERT INTO search_vocab (term, df) VALUES (?, ?) ON CONFLICT(term) "
                             "DO UPDATE SET df = df + excluded.df", counts.items())
            self._index_spellings(conn)
            conn.execute("INSERT INTO ingest_state VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
                         "SET value = excluded.value, updated_at = excluded.updated_at",
                         (_VOCAB_CURSOR, str(papers[-1][0]),
                          datetime.now(UTC).isoformat(timespec="seconds")))
        return len(papers)

    @staticmethod
    def _index_spellings(conn: sqlite3.Connection) -> None:
        """Index the pieces of words that just became common enough to be corrections."""
        fresh = conn.execute("SELECT id, term FROM search_vocab WHERE spell = 0 AND df >= ?",
                             (SPELL_MIN_DF,)).fetchall()
        conn.executemany("INSERT OR IGNORE INTO search_vocab_tri VALUES (?, ?, ?)",
                         [(tri, len(term), tid) for tid, term in fresh if spellable(term)
                          for tri in trigrams(term)])
        conn.executemany("UPDATE search_vocab SET spell = 1 WHERE id = ?",
                         [(tid,) for tid, _ in fresh])

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(terms))):
            rows = self.conn().execute(
                f"SELECT term, df FROM search_vocab WHERE term IN ({', '.join('?' * len(chunk))})",
                chunk)
            out.update((str(t), int(df)) for t, df in rows)
        return out

    def match_counts(self, words: Sequence[str], *, cap: int) -> dict[str, int]:
        return {word: int(self.conn().execute(
            "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)",
            (_quote([word]), cap)).fetchone()[0]) for word in dict.fromkeys(words)}

    def similar_terms(self, word: str, *, limit: int = 50) -> list[tuple[str, int]]:
        pieces = trigrams(word)
        rows = self.conn().execute(
            f"SELECT v.term, v.df FROM search_vocab_tri t JOIN search_vocab v ON v.id = t.term_id "
            f"WHERE t.tri IN ({', '.join('?' * len(pieces))}) AND t.len BETWEEN ? AND ? "
            "GROUP BY t.term_id ORDER BY count(*) DESC, v.df DESC LIMIT ?",
            [*pieces, len(word) - 2, len(word) + 2, limit])
        return [(str(t), int(df)) for t, df in rows]


__all__ = ["BM25_WEIGHTS", "SqliteFullText"]
