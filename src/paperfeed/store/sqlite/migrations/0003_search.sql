-- Search (issue 4): a spelling vocabulary for misspelled queries, and a sequence on embeddings
-- so an in-process vector index can load only what is new.

-- Words of titles and abstracts (folded) with the number of papers holding them: document
-- frequencies for the query planner and the dictionary for spelling correction. Filled by
-- `paperfeed index` (refresh_vocabulary); papers are counted once, in rowid order.
CREATE TABLE search_vocab (
    id    INTEGER PRIMARY KEY,
    term  TEXT NOT NULL UNIQUE,
    df    INTEGER NOT NULL DEFAULT 0,
    spell INTEGER NOT NULL DEFAULT 0              -- 1 once its three-letter pieces are indexed
);
CREATE INDEX search_vocab_unspelled ON search_vocab(id) WHERE spell = 0 AND df >= 2;

-- Three-letter pieces (of "^word$") of the words that may replace a misspelled one: letters
-- only, 4-30 long, in at least two papers. Candidates share the most pieces.
CREATE TABLE search_vocab_tri (
    tri     TEXT NOT NULL,
    len     INTEGER NOT NULL,
    term_id INTEGER NOT NULL REFERENCES search_vocab(id) ON DELETE CASCADE,
    PRIMARY KEY (tri, len, term_id)
) WITHOUT ROWID;

-- Incremental loading of vectors: every stored vector gets the next number of its model.
ALTER TABLE embeddings ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX embeddings_model_seq ON embeddings(model, seq);

-- A paper whose text changes loses its vectors, so `paperfeed index` embeds it again.
CREATE TRIGGER embeddings_stale AFTER UPDATE OF title, abstract ON papers
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
    DELETE FROM embeddings WHERE paper_id = new.id;
END;

-- Trending reads the votes of the last days.
CREATE INDEX votes_created ON votes(created_at);
