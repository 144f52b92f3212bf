-- Keep the tsvector in the row (not in the TOAST table): ranking reads it for every match, and
-- an out-of-line fetch per match made keyword search twice as slow (bench/RESULTS.md,
-- "SQLite vs PostgreSQL, after keeping the tsvector in the row"). Affects rows written from now
-- on; `VACUUM FULL papers` rewrites older ones.
ALTER TABLE papers ALTER COLUMN search_vector SET STORAGE MAIN;
ALTER TABLE papers SET (toast_tuple_target = 8160);
