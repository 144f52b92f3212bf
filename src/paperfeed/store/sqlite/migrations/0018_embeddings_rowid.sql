-- Vectors in a rowid table. A WITHOUT ROWID row keeps only about a quarter of a 4 KB page
-- in the tree, so every vector of 256 float32 or more spilled its tail into an overflow page
-- of its own: most of the file was empty overflow pages. A rowid table keeps rows of up to
-- nearly a page in the tree, and rows appended in seq order fill their pages; the
-- (paper_id, model) key becomes a unique index. Copied in seq order, as the web workers load
-- them. The trigger that names the table is dropped and made again around the swap.
DROP TRIGGER embeddings_stale;

CREATE TABLE embeddings_rows (
    paper_id   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL,                      -- float32 little-endian, L2-normalised
    created_at TEXT NOT NULL,
    seq        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (paper_id, model)
);

INSERT INTO embeddings_rows (paper_id, model, dim, vector, created_at, seq)
SELECT paper_id, model, dim, vector, created_at, seq FROM embeddings ORDER BY model, seq;

DROP TABLE embeddings;

ALTER TABLE embeddings_rows RENAME TO embeddings;

CREATE INDEX embeddings_model_seq ON embeddings(model, seq);

-- A paper whose text changes loses its vectors, so `paperfeed index` embeds it again.
CREATE TRIGGER embeddings_stale AFTER UPDATE OF title, abstract ON papers
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
    DELETE FROM embeddings WHERE paper_id = new.id;
END;
