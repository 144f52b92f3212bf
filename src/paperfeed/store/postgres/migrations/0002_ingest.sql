-- Ingest (issue 3), mirroring sqlite/0002_ingest.sql, which tunes FTS5's in-memory segment size
-- for bulk imports. PostgreSQL needs no such setting: upsert_papers COPYs each batch into a
-- temporary table and writes the rows and their tsvectors with one INSERT and one UPDATE, and
-- the GIN index gathers new entries in its pending list (gin_pending_list_limit) until VACUUM
-- or the list fills. Nothing to change; the number is kept so both backends count alike.
SELECT 1;
