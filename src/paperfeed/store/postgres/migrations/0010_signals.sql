-- A reader's own signals (private): save, hide, more/less like this, likes from an imported
-- library or onboarding; followed authors; topics and categories picked while onboarding;
-- the private feed token; a version that moves with every signal (the reader's model cache
-- key). A subscriber and a signed-in reader with the same address are one person:
-- subscriptions.reader_id links them, filled here for the existing ones.
CREATE TABLE signals (
    reader_id  BIGINT NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    paper_id   TEXT COLLATE "C" NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('save', 'hide', 'more', 'less', 'like')),
    created_at TEXT COLLATE "C" NOT NULL,
    watched    TEXT,                                   -- saves: the paper's state last shown
    PRIMARY KEY (reader_id, paper_id, kind)
);
CREATE INDEX signals_kind ON signals(reader_id, kind, created_at);

CREATE TABLE followed_authors (
    reader_id  BIGINT NOT NULL REFERENCES readers(id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (reader_id, name)
);

ALTER TABLE readers ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
ALTER TABLE readers ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE readers ADD COLUMN signal_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE readers ADD COLUMN feed_token TEXT COLLATE "C";
CREATE UNIQUE INDEX readers_feed_token ON readers(feed_token);

ALTER TABLE subscriptions ADD COLUMN reader_id BIGINT REFERENCES readers(id) ON DELETE SET NULL;
UPDATE subscriptions SET reader_id = (SELECT r.id FROM readers r WHERE r.email = subscriptions.email);
CREATE INDEX subscriptions_reader ON subscriptions(reader_id);
