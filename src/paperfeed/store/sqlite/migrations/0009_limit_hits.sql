-- Rate limits in the database (store/sql/limits.py): one row per allowed hit on a key, so
-- every web and worker process counts together. Rows go once expires_at (hit_at plus the
-- caller's window) has passed.
CREATE TABLE limit_hits (
    key TEXT NOT NULL,
    hit_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX limit_hits_key ON limit_hits (key, hit_at);
CREATE INDEX limit_hits_expires ON limit_hits (expires_at);
