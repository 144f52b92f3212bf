"""What an operator's checks ask of the store: is the schema current, how did digests go."""

from __future__ import annotations

from paperfeed.store.sql.base import SqlBase
from paperfeed.store.sql.migrations import load_migrations


class Health(SqlBase):
    """The schema's state, read without changing anything."""

    def pending_migrations(self) -> list[str]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT version FROM schema_migrations").fetchall() \
                if self.table_columns(conn, "schema_migrations") else []
        done = {int(r["version"]) for r in rows}
        return [m.name for m in load_migrations(self.dialect.name) if m.version not in done]

    def digest_outcomes(self) -> dict[str, int]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT CASE WHEN status <> 'failed' THEN status WHEN "
                            "retry_at IS NULL THEN 'bounced' ELSE 'deferred' END AS outcome, "
                            "count(*) AS n FROM digest_sends GROUP BY 1").fetchall()
        return {str(r["outcome"]): int(r["n"]) for r in rows}
