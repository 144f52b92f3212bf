"""PostgreSQL's full text: tsquery built from tokens, match counts, the spelling vocabulary.

User words reach to_tsquery only as quoted lexemes that are runs of
letters and digits (store.terms.words), inside a bound parameter, never as syntax; the rest of
every query is fixed SQL with bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperfeed.store.base import TextQuery
from paperfeed.store.postgres.connection import (
    VOCAB_LOCK,
    Conn,
    PgConnection,
    copy_rows,
    scalar,
)
from paperfeed.store.sql.base import now
from paperfeed.store.sql.dialect import POSTGRES
from paperfeed.store.sql.search import KeywordQueries, filters
from paperfeed.store.terms import SPELL_MIN_DF, document_frequencies, spellable, trigrams

_LEXEME = re.compile(r"[^\W_]+")
# ts_rank weights for {D, C, B, A}: title (A) above abstract (B) above authors (C), in the same
# proportions as SQLite's bm25 column weights (3 : 1 : 0.5).
RANK_WEIGHTS = [0.0, 1 / 6, 1 / 3, 1.0]
_VOCAB_CURSOR = "search.vocab_rowid"  # same key as SQLite: migrate-db copies rowid into seq
_TSQUERY = "to_tsquery('paperfeed', ?)"


def _phrase(tokens: Sequence[str], weight: str = "") -> str:
    """One word or phrase as tsquery text: 'w1' <-> 'w2', optionally limited to a weight."""
    label = f":{weight}" if weight else ""
    return " <-> ".join(f"'{t}'{label}" for t in tokens if _LEXEME.fullmatch(t))


def _any(groups: Sequence[Sequence[str]], weight: str = "") -> str:
    """Phrases, any of them."""
    parts = [p for p in (_phrase(g, weight) for g in groups) if p]
    return "(" + " | ".join(f"({p})" for p in parts) + ")" if parts else ""


def _any_group(groups: Sequence[Sequence[str]]) -> str:
    """Groups of words, any group with all of its words."""
    alternatives = []
    for group in groups:
        words = " & ".join(p for p in (_phrase([t]) for t in group) if p)
        if words:
            alternatives.append(f"({words})")
    return "(" + " | ".join(alternatives) + ")" if alternatives else ""


def _positive(query: TextQuery, ranked: bool) -> str:
    """The tsquery every match must satisfy (empty: no text condition).

    With required phrases, the ranked words are OR-ed with them: they never narrow the
    match, they only count in the score. So are the boosts (word pairs, acronyms).
    """
    required = [f"({p})" for p in (_phrase(g) for g in query.all_of) if p]
    required += [f"({p})" for p in (_phrase(a, "C") for a in query.authors) if p]
    words = _any_group(query.any_of) if ranked else ""
    boosts = _any(query.boosts) if words else ""
    if boosts:  # ts_rank adds up every phrase of the query a paper matches
        words = f"({words} | {boosts})"
    if words:
        phrases = _any(query.all_of)
        required.append(f"({words} | {phrases})" if phrases else words)
    return " & ".join(required)


class PgFullText(KeywordQueries, PgConnection):
    """tsvector search (keyword_search and filter_ids: store/sql/search.py) and the vocabulary."""

    def text_condition(self, query: TextQuery, ranked: bool) -> str:
        return _positive(query, ranked)

    def matches(self, query: TextQuery, text: str, *, order: str, limit: int, offset: int,
                within: Sequence[str] | None) -> list[tuple[str, float]]:
        positive = text
        where, args = filters(POSTGRES, query)
        if within is not None:
            where.append("p.id = ANY(?)")
            args.append(list(dict.fromkeys(within)))
        excluded = _any(query.none_of)
        if positive:
            expr = f"({positive}) & !{excluded}" if excluded else positive
            sql = (f"SELECT p.id, ts_rank(?::real[], p.search_vector, {_TSQUERY}, 1) AS score "
                   f"FROM papers p WHERE p.search_vector @@ {_TSQUERY}")
            args = [RANK_WEIGHTS, expr, expr, *args]
        else:
            sql = "SELECT p.id, 0.0 AS score FROM papers p WHERE TRUE"
            if excluded:
                where.append(f"NOT (p.search_vector @@ {_TSQUERY})")
                args.append(excluded)
        sql += "".join(f" AND {w}" for w in where)
        sql += " ORDER BY p.day DESC NULLS LAST, p.id DESC" if order == "date" or not positive \
            else " ORDER BY score DESC, p.id"
        with self.autocommit() as conn:
            rows = self.run(conn, sql + " LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return [(str(r["id"]), float(r["score"])) for r in rows]

    # -- spelling vocabulary ----------------------------------------------------------------

    def refresh_vocabulary(self, *, batch: int = 5000) -> int:
        with self.tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (VOCAB_LOCK,))
            cursor = int(scalar(conn, "SELECT value FROM ingest_state WHERE key = %s",
                                (_VOCAB_CURSOR,)) or 0)
            papers = conn.execute("SELECT seq, title, abstract FROM papers WHERE seq > %s "
                                  "ORDER BY seq LIMIT %s", (cursor, batch)).fetchall()
            if not papers:
                return 0
            counts = document_frequencies(f"{r['title']} {r['abstract']}" for r in papers)
            _add_counts(conn, sorted(counts.items()))
            _index_spellings(conn)
            conn.execute("INSERT INTO ingest_state VALUES (%s, %s, %s) ON CONFLICT (key) DO "
                         "UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                         (_VOCAB_CURSOR, str(papers[-1]["seq"]), now()))
        return len(papers)

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        with self.autocommit() as conn:
            rows = conn.execute("SELECT term, df FROM search_vocab WHERE term = ANY(%s)",
                                (list(dict.fromkeys(terms)),)).fetchall()
        return {str(r["term"]): int(r["df"]) for r in rows}

    def match_counts(self, words: Sequence[str], *, cap: int) -> dict[str, int]:
        unique = [w for w in dict.fromkeys(words) if _LEXEME.fullmatch(w)]
        with self.autocommit() as conn:  # the lexeme each word stems to, and the papers holding it
            rows = conn.execute(
                "SELECT w, (SELECT coalesce(sum(s.df), 0) FROM search_lexemes s WHERE s.lexeme "
                "= ANY(tsvector_to_array(to_tsvector('paperfeed', w)))) AS n "
                "FROM unnest(%s::text[]) AS w", (unique,)).fetchall()
        found = {str(r["w"]): min(cap, int(r["n"])) for r in rows}
        return {w: found.get(w, 0) for w in dict.fromkeys(words)}

    def similar_terms(self, word: str, *, limit: int = 50) -> list[tuple[str, int]]:
        with self.autocommit() as conn:
            rows = conn.execute(
                "SELECT v.term, v.df FROM search_vocab_tri t JOIN search_vocab v "
                "ON v.id = t.term_id WHERE t.tri = ANY(%s) AND t.len BETWEEN %s AND %s "
                "GROUP BY t.term_id, v.term, v.df ORDER BY count(*) DESC, v.df DESC, v.term "
                "LIMIT %s", (trigrams(word), len(word) - 2, len(word) + 2, limit)).fetchall()
        return [(str(r["term"]), int(r["df"])) for r in rows]


def _add_counts(conn: Conn, counts: list[tuple[str, int]]) -> None:
    """Add document frequencies to the vocabulary (COPY, then one upsert)."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS vocab_in (term TEXT, df INTEGER) "
                 "ON COMMIT DELETE ROWS")
    copy_rows(conn, "vocab_in", ("term", "df"), counts)
    conn.execute("INSERT INTO search_vocab (term, df) SELECT term, df FROM vocab_in "
                 "ON CONFLICT (term) DO UPDATE SET df = search_vocab.df + excluded.df")


def _index_spellings(conn: Conn) -> None:
    """Index the pieces of words that just became common enough to be corrections."""
    fresh = conn.execute("SELECT id, term FROM search_vocab WHERE spell = 0 AND df >= %s",
                         (SPELL_MIN_DF,)).fetchall()
    if not fresh:
        return
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS tri_in (tri TEXT, len INTEGER, term_id BIGINT) "
                 "ON COMMIT DELETE ROWS")
    copy_rows(conn, "tri_in", ("tri", "len", "term_id"),
              [(tri, len(r["term"]), r["id"]) for r in fresh if spellable(r["term"])
               for tri in trigrams(r["term"])])
    conn.execute("INSERT INTO search_vocab_tri SELECT tri, len, term_id FROM tri_in "
                 "ON CONFLICT DO NOTHING")
    conn.execute("UPDATE search_vocab SET spell = 1 WHERE id = ANY(%s)",
                 ([r["id"] for r in fresh],))
