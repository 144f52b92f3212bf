"""The corpus map and the day counts behind trend charts: written once for both backends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from paperfeed.store.map_roles import MapCluster, MapPoint
from paperfeed.store.sql.base import Connection, SqlBase, now

MAP_VERSION = "map.version"


class Maps(SqlBase):
    """Points and clusters of the map; a build replaces them, a placement adds points."""

    def put_map(self, points: Sequence[tuple[str, float, float, int]],
                clusters: Sequence[MapCluster], *, version: str) -> None:
        with self.writing() as conn:
            self.run(conn, "DELETE FROM map_points")
            self.run(conn, "DELETE FROM map_clusters")
            self.run_many(conn, "INSERT INTO map_clusters (id, label, words, size, x, y) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          [(c.id, c.label, json.dumps(list(c.words)), c.size, c.x, c.y)
                           for c in clusters])
            self._insert(conn, points, placed=0)
            self._version(conn, version)

    def place_points(self, points: Sequence[tuple[str, float, float, int]], *,
                     version: str) -> None:
        with self.writing() as conn:
            self._insert(conn, points, placed=1)
            self.run(conn, "UPDATE map_clusters SET size = (SELECT count(*) FROM map_points m "
                     "WHERE m.cluster = map_clusters.id)")
            self._version(conn, version)

    def _insert(self, conn: Connection, points: Sequence[tuple[str, float, float, int]], *,
                placed: int) -> None:
        self.run_many(conn, "INSERT INTO map_points (paper_id, x, y, cluster, placed, day) "
                      "VALUES (?, ?, ?, ?, ?, (SELECT day FROM papers WHERE id = ?)) ON CONFLICT "
                      "(paper_id) DO UPDATE SET x = excluded.x, y = excluded.y, cluster = "
                      "excluded.cluster, placed = excluded.placed, day = excluded.day",
                      [(pid, float(x), float(y), int(c), placed, pid)
                       for pid, x, y, c in points])

    def _version(self, conn: Connection, version: str) -> None:
        self.run(conn, "INSERT INTO ingest_state VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                 "SET value = excluded.value, updated_at = excluded.updated_at",
                 (MAP_VERSION, version, now()))

    def map_version(self) -> str | None:
        with self.reading() as conn:
            value = self.value(conn, "SELECT value FROM ingest_state WHERE key = ?",
                               (MAP_VERSION,))
        return None if value is None else str(value)

    def map_points(self) -> list[MapPoint]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT m.paper_id, m.x, m.y, m.cluster, m.placed, p.day, "
                            "p.primary_category FROM map_points m JOIN papers p ON "
                            "p.id = m.paper_id ORDER BY m.paper_id").fetchall()
        return [MapPoint(str(r["paper_id"]), float(r["x"]), float(r["y"]), int(r["cluster"]),
                         date.fromisoformat(r["day"]) if r["day"] else None,
                         r["primary_category"], bool(r["placed"])) for r in rows]

    def map_coordinates(self, paper_ids: Sequence[str]) -> dict[str, tuple[float, float, int]]:
        out: dict[str, tuple[float, float, int]] = {}
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("paper_id", chunk)
                for r in self.run(conn, "SELECT paper_id, x, y, cluster FROM map_points "
                                  f"WHERE {among}", args):
                    out[str(r["paper_id"])] = (float(r["x"]), float(r["y"]), int(r["cluster"]))
        return out

    def map_clusters(self) -> list[MapCluster]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT id, label, words, size, x, y FROM map_clusters "
                            "ORDER BY id").fetchall()
        return [MapCluster(int(r["id"]), str(r["label"]), tuple(json.loads(r["words"])),
                           int(r["size"]), float(r["x"]), float(r["y"])) for r in rows]

    def unmapped_ids(self, model: str) -> list[str]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT e.paper_id FROM embeddings e WHERE e.model = ? AND "
                            "NOT EXISTS (SELECT 1 FROM map_points m WHERE m.paper_id = "
                            "e.paper_id) ORDER BY e.paper_id", (model,)).fetchall()
        return [str(r["paper_id"]) for r in rows]

    def cluster_paper_ids(self, cluster: int, *, limit: int, offset: int = 0) -> list[str]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT p.id FROM map_points m JOIN papers p ON p.id = "
                            "m.paper_id WHERE m.cluster = ? ORDER BY p.day DESC"
                            f"{self.dialect.nulls_last}, p.id DESC LIMIT ? OFFSET ?",
                            (cluster, limit, offset)).fetchall()
        return [str(r["id"]) for r in rows]

    def day_counts(self, by: str, since: date) -> list[tuple[date, str, int]]:
        if by == "cluster":
            query = ("SELECT day, cluster AS k, count(*) AS n FROM map_points WHERE day >= ? "
                     "GROUP BY day, cluster")
        elif by == "category":
            query = ("SELECT day, primary_category AS k, count(*) AS n FROM papers WHERE "
                     "day >= ? AND primary_category IS NOT NULL GROUP BY day, primary_category")
        else:
            raise ValueError(f"day counts by {by!r}: choose cluster or category")
        with self.reading() as conn:
            rows = self.run(conn, query, (since.isoformat(),)).fetchall()
        return [(date.fromisoformat(r["day"]), str(r["k"]), int(r["n"])) for r in rows]

    def category_day_counts(self, category: str, since: date) -> list[tuple[date, int]]:
        with self.reading() as conn:
            rows = self.run(conn, "SELECT day, count(*) AS n FROM papers WHERE "
                            "primary_category = ? AND day >= ? GROUP BY day",
                            (category, since.isoformat())).fetchall()
        return [(date.fromisoformat(r["day"]), int(r["n"])) for r in rows]

    def paper_days(self, paper_ids: Sequence[str]) -> list[date]:
        days: list[date] = []
        with self.reading() as conn:
            for chunk in self.dialect.chunks(paper_ids):
                among, args = self.dialect.in_list("id", chunk)
                days.extend(date.fromisoformat(r["day"]) for r in self.run(
                    conn, f"SELECT day FROM papers WHERE day IS NOT NULL AND {among}", args))
        return days
