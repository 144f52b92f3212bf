"""Term features of papers (index/terms.py): the fitted vocabulary and each paper's stored
row, read and written alike on both backends (bytes: BLOB on SQLite, BYTEA on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from paperfeed.store.shapes import PendingCursor
from paperfeed.store.sql.base import SqlBase, now
from paperfeed.store.sql.newest import cursor_of, newest_first

_JOINED = "FROM papers p LEFT JOIN paper_terms t ON t.paper_id = p.id"
_STALE = "(t.paper_id IS NULL OR t.vocabulary <> ? OR t.fingerprint <> p.fingerprint)"


class PaperTerms(SqlBase):
    """The TermStore role."""

    def term_vocabulary_version(self) -> int | None:
        with self.reading() as conn:
            version = self.value(conn, "SELECT max(version) FROM term_vocabularies")
        return None if version is None else int(version)

    def term_vocabulary(self) -> tuple[int, bytes] | None:
        with self.reading() as conn:
            row = self.run(conn, "SELECT version, vocabulary FROM term_vocabularies "
                           "ORDER BY version DESC LIMIT 1").fetchone()
        return None if row is None else (int(row["version"]), bytes(row["vocabulary"]))

    def put_term_vocabulary(self, vocabulary: bytes, papers: int) -> int:
        with self.writing() as conn:
            version = int(self.value(conn, "SELECT coalesce(max(version), 0) + 1 "
                                           "FROM term_vocabularies"))
            self.run(conn, "DELETE FROM term_vocabularies", ())
            self.run(conn, "INSERT INTO term_vocabularies (version, papers, created_at, "
                     "vocabulary) VALUES (?, ?, ?, ?)", (version, papers, now(), vocabulary))
        return version

    def count_papers_total(self) -> int:
        with self.reading() as conn:
            return int(self.value(conn, "SELECT count(*) FROM papers"))

    def paper_texts(self, *, after: str | None, limit: int) -> list[tuple[str, str, str, str]]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT id, title, abstract, authors_text FROM papers "
                            "WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)).fetchall()
        return [(str(r["id"]), str(r["title"]), str(r["abstract"]), str(r["authors_text"]))
                for r in rows]

    def pending_terms(self, version: int, *, limit: int, after: PendingCursor | None = None
                      ) -> list[tuple[str, str, str, str, str, PendingCursor]]:
        with self.reading() as conn:
            rows = newest_first(
                self, conn, "SELECT p.id, p.day, p.title, p.abstract, p.authors_text, "
                f"p.fingerprint {_JOINED}", _STALE, [version], after=after, limit=limit)
        return [(str(r["id"]), str(r["title"]), str(r["abstract"]), str(r["authors_text"]),
                 str(r["fingerprint"]), cursor_of(r)) for r in rows]

    def count_pending_terms(self, version: int) -> int:
        with self.reading() as conn:
            return int(self.value(conn, f"SELECT count(*) {_JOINED} WHERE {_STALE}",
                                  [version]))

    def put_terms(self, version: int, rows: Sequence[tuple[str, str, bytes]]) -> None:
        with self.writing() as conn:
            self.run_many(conn, "INSERT INTO paper_terms (paper_id, vocabulary, fingerprint, "
                          "terms) VALUES (?, ?, ?, ?) ON CONFLICT (paper_id) DO UPDATE SET "
                          "vocabulary = excluded.vocabulary, fingerprint = "
                          "excluded.fingerprint, terms = excluded.terms",
                          [(pid, version, fp, blob) for pid, fp, blob in rows])

    def terms_of(self, version: int, paper_ids: Sequence[str]) -> dict[str, tuple[bytes, str]]:
        out: dict[str, tuple[bytes, str]] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("t.paper_id", chunk)
                rows = self.run(conn, "SELECT t.paper_id, t.terms, p.authors_text FROM "
                                "paper_terms t JOIN papers p ON p.id = t.paper_id WHERE "
                                f"t.vocabulary = ? AND {among}", [version, *args])
                for r in rows:
                    out[str(r["paper_id"])] = (bytes(r["terms"]), str(r["authors_text"]))
        return out
