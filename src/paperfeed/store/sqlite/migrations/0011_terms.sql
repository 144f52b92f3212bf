-- Term features of papers for the reader's model (index/terms.py): the vocabulary fitted on
-- the store, one row per fit (the newest is current), and each paper's tf-idf row under one
-- fit, with the paper's fingerprint when it was computed (a changed paper is recomputed).
CREATE TABLE term_vocabularies (
    version    INTEGER PRIMARY KEY,
    papers     INTEGER NOT NULL,                   -- papers the fit counted
    created_at TEXT NOT NULL,
    vocabulary BLOB NOT NULL                       -- zlib-compressed JSON: terms and idf
);

CREATE TABLE paper_terms (
    paper_id    TEXT PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    vocabulary  INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    terms       BLOB NOT NULL                      -- uint16 term numbers, then float16 weights
) WITHOUT ROWID;
