-- The corpus map: each embedded paper's point on a 2-D layout and its cluster, and each
-- cluster's label words and size. `paperfeed map build` replaces both; papers embedded since
-- are placed beside their nearest neighbours (placed = 1) until the next build.
CREATE TABLE map_points (
    paper_id TEXT COLLATE "C" PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    x        DOUBLE PRECISION NOT NULL,
    y        DOUBLE PRECISION NOT NULL,
    cluster  INTEGER NOT NULL,
    placed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX map_points_cluster ON map_points(cluster);

CREATE TABLE map_clusters (
    id    INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    words TEXT NOT NULL DEFAULT '[]',                  -- distinctive words, best first
    size  INTEGER NOT NULL,
    x     DOUBLE PRECISION NOT NULL,
    y     DOUBLE PRECISION NOT NULL
);
