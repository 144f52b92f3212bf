-- The stems of each paper's title and first sentences (store/stems.py), in a format that
-- changes with how stems are made: a search page's match count reads these short rows
-- instead of stemming hundreds of abstracts.
CREATE TABLE paper_openings (
    paper_id TEXT PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    format   INTEGER NOT NULL,
    stems    TEXT NOT NULL                          -- a line per sentence, stems apart by spaces
) WITHOUT ROWID;

-- A paper whose text changes loses its opening, so `paperfeed index` makes it again.
CREATE TRIGGER openings_stale AFTER UPDATE OF title, abstract ON papers
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
    DELETE FROM paper_openings WHERE paper_id = new.id;
END;
