-- Digests (issue 6): when a transiently failed digest may be retried, and indexes for the
-- per-round queries (active subscriptions; finished sends of a day).
ALTER TABLE digest_sends ADD COLUMN retry_at TEXT;   -- ISO UTC; NULL: no retry planned
CREATE INDEX digest_sends_date ON digest_sends(digest_date, status);
CREATE INDEX subscriptions_status ON subscriptions(status);
CREATE INDEX digest_items_date ON digest_items(subscription_id, digest_date);
