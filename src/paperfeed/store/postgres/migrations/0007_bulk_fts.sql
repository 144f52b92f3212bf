-- SQLite (issue 3) lets bulk imports index full text in large chunks, with a backlog table
-- and guarded triggers (see the sqlite twin). PostgreSQL computes each row's tsvector as the
-- row is written, so it has nothing to change; the version number keeps both backends on the
-- same schema version.
SELECT 1;
