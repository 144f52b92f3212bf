-- The stems of each paper's title and first sentences (store/stems.py) and the acronyms it
-- defines (store/definitions.py), in a format that changes with how they are made: a search page's match count reads these short rows
-- instead of stemming hundreds of abstracts. A rowid table: `paperfeed index` writes newest
-- first, in descending id order, which leaves a table keyed by paper_id half empty.
CREATE TABLE paper_openings (
    paper_id TEXT NOT NULL UNIQUE REFERENCES papers(id) ON DELETE CASCADE,
    format   INTEGER NOT NULL,
    stems    TEXT NOT NULL,                         -- a line per sentence, stems apart by spaces
    defines  TEXT NOT NULL                          -- a line per acronym: letters, long form
);

-- A paper whose text changes loses its opening, so `paperfeed index` makes it again.
CREATE TRIGGER openings_stale AFTER UPDATE OF title, abstract ON papers
WHEN old.title IS NOT new.title OR old.abstract IS NOT new.abstract BEGIN
    DELETE FROM paper_openings WHERE paper_id = new.id;
END;
