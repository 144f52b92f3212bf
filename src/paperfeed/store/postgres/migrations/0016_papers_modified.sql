-- When papers last changed, as one index lookup: caches of what is derived from papers
-- (a window's features for the reader's model) are kept until a paper is added or changed,
-- not dropped on every vote or signal.
CREATE INDEX IF NOT EXISTS papers_modified_at ON papers (modified_at);
