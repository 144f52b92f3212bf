"""Looking papers up by what a reader's library cites them by (a DOI); written once."""

from __future__ import annotations

from collections.abc import Sequence

from paperfeed.store.sql.base import SqlBase


class Library(SqlBase):
    """Lookups behind importing a reader's library."""

    def ids_by_doi(self, dois: Sequence[str]) -> dict[str, str]:
        """{lower-cased DOI: paper id} for the DOIs of stored papers among dois."""
        out: dict[str, str] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks([d.lower() for d in dois]):
                among, args = self.dialect.in_list("lower(doi)", chunk)
                rows = self.run(conn, f"SELECT id, doi FROM papers WHERE {among} ORDER BY id",
                                args)
                for r in rows:
                    out.setdefault(str(r["doi"]).lower(), str(r["id"]))
        return out
