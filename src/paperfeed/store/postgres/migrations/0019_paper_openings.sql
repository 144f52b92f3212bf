-- The stems of each paper's title and first sentences (store/stems.py) and the acronyms it
-- defines (store/definitions.py), in a format that changes with how they are made: a search page's match count reads these short rows
-- instead of stemming hundreds of abstracts.
CREATE TABLE paper_openings (
    paper_id TEXT COLLATE "C" PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    format   INTEGER NOT NULL,
    stems    TEXT NOT NULL,                         -- a line per sentence, stems apart by spaces
    defines  TEXT NOT NULL                          -- a line per acronym: letters, long form
);

-- (SQLite's openings_stale trigger: PostgresStore.upsert_papers deletes the opening of a
-- paper whose title or abstract changes, with its vectors.)
