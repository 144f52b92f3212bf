-- Rate limits in the database (store/sql/limits.py): one row per allowed hit on a key, so
-- every web and worker process counts together. Rows go once expires_at (hit_at plus the
-- caller's window) has passed. Text is COLLATE "C": ISO times compare bytewise, as in SQLite.
CREATE TABLE limit_hits (
    key TEXT COLLATE "C" NOT NULL,
    hit_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX limit_hits_key ON limit_hits (key, hit_at);
CREATE INDEX limit_hits_expires ON limit_hits (expires_at);
