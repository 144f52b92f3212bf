-- The first schema: papers with their full-text index, and the tables later features fill.
-- Lists (authors, categories, code URLs...) are JSON text; dates are ISO 8601 UTC text.

CREATE TABLE papers (
    id               TEXT PRIMARY KEY,
    version          INTEGER NOT NULL DEFAULT 1,
    title            TEXT NOT NULL,
    abstract         TEXT NOT NULL,
    authors          TEXT NOT NULL DEFAULT '[]',   -- [{"name":..., "affiliation":...}]
    authors_text     TEXT NOT NULL DEFAULT '',     -- names joined, for full text
    categories       TEXT NOT NULL DEFAULT '[]',
    primary_category TEXT,
    published        TEXT,                         -- first version, ISO datetime
    updated          TEXT,
    announced        TEXT,                         -- ISO date
    day              TEXT,                         -- announced, else published date: daily listings
    doi              TEXT,
    journal_ref      TEXT,
    comments         TEXT,
    license          TEXT,
    url              TEXT,
    pdf_url          TEXT,
    code_urls        TEXT NOT NULL DEFAULT '[]',
    source           TEXT NOT NULL,
    upstream_upvotes INTEGER,
    github_repo      TEXT,
    github_stars     INTEGER,
    ai_keywords      TEXT NOT NULL DEFAULT '[]',
    fingerprint      TEXT NOT NULL,                -- hash of the stored fields: unchanged detection
    ingested_at      TEXT NOT NULL,
    modified_at      TEXT NOT NULL
);
CREATE INDEX papers_day ON papers(day DESC, id);
CREATE INDEX papers_published ON papers(published DESC);

CREATE TABLE paper_versions (
    paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    version  INTEGER NOT NULL,
    created  TEXT,
    PRIMARY KEY (paper_id, version)
) WITHOUT ROWID;

-- External-content FTS5 index over papers, kept in step by triggers in the same transaction.
CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, authors_text,
    content='papers', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, abstract, authors_text)
    VALUES (new.rowid, new.title, new.abstract, new.authors_text);
END;
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text)
    VALUES ('delete', old.rowid, old.title, old.abstract, old.authors_text);
END;
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract, authors_text ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors_text)
    VALUES ('delete', old.rowid, old.title, old.abstract, old.authors_text);
    INSERT INTO papers_fts(rowid, title, abstract, authors_text)
    VALUES (new.rowid, new.title, new.abstract, new.authors_text);
END;

CREATE TABLE readers (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_seen  TEXT
);

CREATE TABLE votes (
    reader_id  INTEGER NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    paper_id   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (reader_id, paper_id)
) WITHOUT ROWID;
CREATE INDEX votes_paper ON votes(paper_id, created_at);

-- Single-use tokens (magic links, confirmations): a nonce is spent once.
CREATE TABLE spent_tokens (
    nonce    TEXT PRIMARY KEY,
    spent_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    topics            TEXT NOT NULL DEFAULT '[]',
    categories        TEXT NOT NULL DEFAULT '[]',
    frequency         TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
    weekday           INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
    send_hour         INTEGER NOT NULL DEFAULT 7 CHECK (send_hour BETWEEN 0 AND 23),
    timezone          TEXT NOT NULL DEFAULT 'UTC',
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed', 'bouncing')),
    bounces           INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    confirmed_at      TEXT,
    confirm_sent_at   TEXT,
    last_digest_date  TEXT
);

CREATE TABLE digest_sends (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    digest_date     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'skipped', 'failed')),
    claimed_by      TEXT,
    claim_expires   TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    message_id      TEXT,
    sent_at         TEXT,
    error           TEXT,
    PRIMARY KEY (subscription_id, digest_date)
) WITHOUT ROWID;

CREATE TABLE digest_items (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    paper_id        TEXT NOT NULL,
    digest_date     TEXT NOT NULL,
    PRIMARY KEY (subscription_id, paper_id)
) WITHOUT ROWID;

CREATE TABLE embeddings (
    paper_id   TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    model      TEXT NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB NOT NULL,                      -- float32 little-endian, L2-normalised
    created_at TEXT NOT NULL,
    PRIMARY KEY (paper_id, model)
) WITHOUT ROWID;

-- How far each source got (arXiv date cursor, OAI resumption, snapshot line...): incremental runs.
CREATE TABLE ingest_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
