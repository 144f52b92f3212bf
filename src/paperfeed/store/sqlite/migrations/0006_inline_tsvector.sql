-- PostgreSQL keeps its tsvector in the row from this version on (see the postgres twin).
-- Nothing to change on SQLite, whose FTS5 table holds its own index; the version number is
-- kept so both backends report the same schema version.
SELECT 1;
