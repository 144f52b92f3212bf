-- Digests (issue 6), mirroring sqlite/0005_deliver.sql.
ALTER TABLE digest_sends ADD COLUMN retry_at TEXT COLLATE "C";   -- ISO UTC; NULL: no retry planned
CREATE INDEX digest_sends_date ON digest_sends (digest_date, status);
CREATE INDEX subscriptions_status ON subscriptions (status);
CREATE INDEX digest_items_date ON digest_items (subscription_id, digest_date);
