"""What index derives per paper (card text, author keys) and the author pages read from it;
written once for both backends."""

from __future__ import annotations

import json
from collections.abc import Sequence

from paperfeed.models import AuthorProfile, Card, Paper
from paperfeed.store.shapes import PendingCursor
from paperfeed.store.sql.base import now
from paperfeed.store.sql.newest import newest_first
from paperfeed.store.sql.papers import Papers

# A paper needs deriving when it has no card yet or changed since (its fingerprint moved).
_JOINED = "FROM papers p LEFT JOIN paper_cards c ON c.paper_id = p.id"
_STALE = "(c.fingerprint IS NULL OR c.fingerprint <> p.fingerprint)"
DerivedRow = tuple[str, str, Card, Sequence[tuple[str, str]]]  # id, fingerprint, card, authors


class Cards(Papers):
    """paper_cards and paper_authors: filled by `paperfeed index`, read by pages and the API."""

    def pending_cards(self, *, limit: int, after: PendingCursor | None = None,
                      ids: Sequence[str] | None = None) -> list[tuple[Paper, str]]:
        if ids is not None and not ids:
            return []
        among, args = ("TRUE", []) if ids is None else \
            self.dialect.in_list("p.id", list(dict.fromkeys(ids))[:500])
        with self.reading() as conn:
            found_ids = [str(r["id"]) for r in newest_first(
                self, conn, f"SELECT p.id, p.day {_JOINED}", f"{_STALE} AND {among}", args,
                after=after, limit=limit)]
            found = self._fetch(conn, found_ids) if found_ids else {}
        return [found[i] for i in found_ids if i in found]

    def count_pending_cards(self) -> int:
        with self.reading() as conn:
            return int(self.value(conn, f"SELECT count(*) {_JOINED} WHERE {_STALE}"))

    def put_cards(self, rows: Sequence[DerivedRow]) -> None:
        if not rows:
            return
        stamp = now()
        with self.writing() as conn:
            self.run_many(conn, "INSERT INTO paper_cards (paper_id, fingerprint, summary, "
                          "keyphrases, project_page, computed_at) VALUES (?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (paper_id) DO UPDATE SET fingerprint = "
                          "excluded.fingerprint, summary = excluded.summary, keyphrases = "
                          "excluded.keyphrases, project_page = excluded.project_page, "
                          "computed_at = excluded.computed_at",
                          [(pid, fp, card.summary, json.dumps(list(card.keyphrases)),
                            card.project_page, stamp) for pid, fp, card, _ in rows])
            for chunk in self.dialect.chunks([r[0] for r in rows]):
                among, args = self.dialect.in_list("paper_id", chunk)
                self.run(conn, f"DELETE FROM paper_authors WHERE {among}", args)
            self.run_many(conn, "INSERT INTO paper_authors (paper_id, position, author_key, "
                          "name) VALUES (?, ?, ?, ?)",
                          [(pid, n, key, name) for pid, _, _, authors in rows
                           for n, (key, name) in enumerate(authors)])
        self.data_changed()

    def cards(self, paper_ids: Sequence[str]) -> dict[str, Card]:
        out: dict[str, Card] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("paper_id", chunk)
                for r in self.run(conn, "SELECT paper_id, summary, keyphrases, project_page "
                                  f"FROM paper_cards WHERE {among}", args):
                    out[str(r["paper_id"])] = Card(r["summary"],
                                                   tuple(json.loads(r["keyphrases"])),
                                                   r["project_page"])
        return out

    def author_profile(self, key: str, *, names: Sequence[str] | None = None,
                       limit: int = 100, offset: int = 0) -> AuthorProfile:
        among, args = ("TRUE", []) if not names else self.dialect.in_list("a.name",
                                                                          list(names)[:500])
        mine = f"a.author_key = ? AND {among}"
        with self.reading() as conn:
            spellings = tuple((str(r["name"]), int(r["n"])) for r in self.run(
                conn, "SELECT name, count(DISTINCT paper_id) AS n FROM paper_authors WHERE "
                "author_key = ? GROUP BY name ORDER BY n DESC, name", (key,)))
            if limit <= 0:
                return AuthorProfile(key, spellings=spellings)
            ids = [str(r["id"]) for r in self.run(
                conn, "SELECT p.id, p.day FROM paper_authors a JOIN papers p ON p.id = "
                f"a.paper_id WHERE {mine} GROUP BY p.id, p.day ORDER BY p.day DESC"
                f"{self.dialect.nulls_last}, p.id DESC LIMIT ? OFFSET ?",
                [key, *args, limit, offset]).fetchall()]
            total = int(self.value(conn, "SELECT count(DISTINCT a.paper_id) FROM paper_authors "
                                   f"a WHERE {mine}", [key, *args]))
            coauthors = tuple((str(r["k"]), str(r["name"]), int(r["n"])) for r in self.run(
                conn, "SELECT b.author_key AS k, min(b.name) AS name, count(DISTINCT "
                "b.paper_id) AS n FROM paper_authors a JOIN paper_authors b ON b.paper_id = "
                f"a.paper_id AND b.author_key <> a.author_key WHERE {mine} "
                "GROUP BY b.author_key ORDER BY n DESC, k LIMIT 30", [key, *args]))
            categories = tuple((str(r["category"]), int(r["n"])) for r in self.run(
                conn, "SELECT j.value AS category, count(DISTINCT p.id) AS n FROM "
                "paper_authors a JOIN papers p ON p.id = a.paper_id, "
                f"{self.dialect.category_values} WHERE {mine} GROUP BY j.value "
                "ORDER BY n DESC, category LIMIT 12", [key, *args]))
        return AuthorProfile(key, tuple(ids), total, spellings, coauthors, categories)
