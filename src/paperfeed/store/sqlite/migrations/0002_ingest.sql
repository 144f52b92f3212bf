-- Ingest (issue 3): let the full-text index gather a whole import batch in memory before it
-- writes a segment. FTS5 flushes its pending terms every `hashsize` bytes (1 MB by default),
-- which cut one batch of a few thousand papers into many small segments that had to be merged
-- again; 64 MB holds a batch, so a bulk import writes one segment per batch (measured about
-- 10-15% less CPU per paper; see bench/RESULTS.md). Memory is only used while a batch is
-- being written.
INSERT INTO papers_fts(papers_fts, rank) VALUES ('hashsize', 67108864);
