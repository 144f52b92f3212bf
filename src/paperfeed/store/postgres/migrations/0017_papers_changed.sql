-- Papers in the order they changed, id breaking ties: the keyword index (index/keyword_index.py)
-- reads what changed since its last commit from a (modified_at, id) cursor, a range of this
-- index instead of a sort of every paper. It also answers max(modified_at), so the older
-- single-column index goes.
CREATE INDEX IF NOT EXISTS papers_modified_id ON papers (modified_at, id);
DROP INDEX IF EXISTS papers_modified_at;
