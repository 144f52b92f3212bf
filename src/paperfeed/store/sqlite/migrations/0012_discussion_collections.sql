-- Discussion under each paper, and readers' collections (reading lists).
-- A comment is a top-level post (parent_id NULL) or a reply to one (one level only). A reader
-- deletes their own: a comment with replies keeps its place as "deleted" (body emptied), one
-- without is removed. Moderators hide a comment (hidden_at) and block a reader from posting.
-- Deleting an account deletes the reader's comments (and the replies under them).
CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    paper_id   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    reader_id  INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    edited_at  TEXT,
    deleted_at TEXT,
    hidden_at  TEXT
);
CREATE INDEX comments_paper ON comments(paper_id, created_at, id);
CREATE INDEX comments_parent ON comments(parent_id, created_at);
CREATE INDEX comments_reader ON comments(reader_id, created_at);

-- Readers a moderator blocked from posting.
CREATE TABLE comment_blocks (
    reader_id  INTEGER PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE,
    blocked_at TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT ''
);

-- The name shown beside a reader's comments and public collections (never their address),
-- and whether replies to their comments go into their digest.
ALTER TABLE readers ADD COLUMN display_name TEXT;
ALTER TABLE readers ADD COLUMN digest_replies INTEGER NOT NULL DEFAULT 0;

-- A reader's named reading lists: private, or public with a page, feeds and BibTeX.
CREATE TABLE collections (
    id         INTEGER PRIMARY KEY,
    reader_id  INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    public     INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX collections_reader ON collections(reader_id, created_at);

CREATE TABLE collection_items (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    paper_id      TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    added_at      TEXT NOT NULL,
    PRIMARY KEY (collection_id, paper_id)
) WITHOUT ROWID;
CREATE INDEX collection_items_order ON collection_items(collection_id, position);
