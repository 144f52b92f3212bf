-- What `paperfeed index` derives from each paper for its card and author pages, and the
-- papers readers submit to a day's listing.
-- paper_cards: the extractive one-line summary, keyphrases (JSON list) and project page,
-- computed from the paper as it was (fingerprint): a changed paper is derived again.
CREATE TABLE paper_cards (
    paper_id     TEXT PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    fingerprint  TEXT NOT NULL,
    summary      TEXT,
    keyphrases   TEXT NOT NULL DEFAULT '[]',
    project_page TEXT,
    computed_at  TEXT NOT NULL
) WITHOUT ROWID;

-- One row per author of a paper, under a normalised key (accents folded, forenames as an
-- initial): an author page is one index range, whatever the spelling.
CREATE TABLE paper_authors (
    paper_id   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    author_key TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (paper_id, position)
) WITHOUT ROWID;
CREATE INDEX paper_authors_key ON paper_authors (author_key, paper_id);

-- A paper a reader put on a day's listing ("submitted by"), once per paper per day.
CREATE TABLE paper_submissions (
    paper_id     TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    reader_id    INTEGER REFERENCES readers(id) ON DELETE SET NULL,
    display_name TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (paper_id, day)
) WITHOUT ROWID;
CREATE INDEX paper_submissions_day ON paper_submissions (day);
