"""The scale-out backend: PostgreSQL through psycopg 3, tsvector + GIN full text, pgvector."""

from paperfeed.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
