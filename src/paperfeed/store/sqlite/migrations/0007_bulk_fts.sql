-- Ingest (issue 3): bulk imports index full text in large chunks instead of row by row.
-- FTS5 writes a segment per statement and merges segments as they pile up; indexing tens of
-- thousands of new papers with one INSERT ... SELECT costs about half of what the per-row
-- triggers cost (bench/RESULTS.md). While a bulk import runs, papers with a rowid above
-- `done` are not yet in papers_fts; the import indexes them (and deletes this row) in the
-- same transaction as a later batch, and any write that finds a backlog it did not make
-- catches it up first. A killed import leaves the row behind, so the database stays
-- consistent (the index holds exactly the papers up to `done`) and the next run finishes it.
CREATE TABLE papers_fts_backlog (
    id   INTEGER PRIMARY KEY CHECK (id = 1),   -- at most one backlog
    done INTEGER NOT NULL                      -- papers with rowid <= done are indexed
);

-- The triggers keep indexed papers in step and leave backlog papers to the catch-up, which
-- reads their latest text from papers.
DROP TRIGGER papers_fts_insert;
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers
WHEN NOT EXISTS (SELECT 1 FROM papers_fts_backlog WHERE new.rowid > done) BEGIN
    INSERT INTO papers_fts(rowid, title, abstract, authors_text)
    VALUES (new.rowid, new.title, new.abstract, new.authors_text);
END;
DROP TRIGGER papers_fts_delete;
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers
WHEN NOT EXISTS (SELECT 1 FROM papers_fts_backlog WHERE old.rowid > done) BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text)
    VALUES ('delete', old.rowid, old.title, old.abstract, old.authors_text);
END;
DROP TRIGGER papers_fts_update;
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract, authors_text ON papers
WHEN NOT EXISTS (SELECT 1 FROM papers_fts_backlog WHERE old.rowid > done) BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text)
    VALUES ('delete', old.rowid, old.title, old.abstract, old.authors_text);
    INSERT INTO papers_fts(rowid, title, abstract, authors_text)
    VALUES (new.rowid, new.title, new.abstract, new.authors_text);
END;
