-- The corpus map: each embedded paper's point on a 2-D layout and its cluster, and each
-- cluster's label words and size. `paperfeed map build` replaces both; papers embedded since
-- are placed beside their nearest neighbours (placed = 1) until the next build. A point keeps
-- its paper's listing day, so trend counts by cluster read this table only.
CREATE TABLE map_points (
    paper_id TEXT COLLATE "C" PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    x        DOUBLE PRECISION NOT NULL,
    y        DOUBLE PRECISION NOT NULL,
    cluster  INTEGER NOT NULL,
    placed   INTEGER NOT NULL DEFAULT 0,
    day      TEXT COLLATE "C"                                 -- the paper's listing day, copied
);
CREATE INDEX map_points_cluster ON map_points(cluster);
-- Trend charts count papers per day by cluster and by primary category: both from an index
-- alone, never reading the papers' rows (with their abstracts).
CREATE INDEX map_points_day ON map_points(day, cluster);
CREATE INDEX papers_category_day ON papers(primary_category, day);

CREATE TABLE map_clusters (
    id    INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    words TEXT NOT NULL DEFAULT '[]',                  -- distinctive words, best first
    size  INTEGER NOT NULL,
    x     DOUBLE PRECISION NOT NULL,
    y     DOUBLE PRECISION NOT NULL
);
