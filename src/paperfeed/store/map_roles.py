"""The map role: each paper's point on the corpus map, the clusters, and the counts by day
that trend charts are drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MapCluster:
    """One cluster of the map: its label (distinctive words), size and centre on the layout."""

    id: int
    label: str
    words: tuple[str, ...]
    size: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One paper on the map, with what the page colours it by."""

    paper_id: str
    x: float
    y: float
    cluster: int
    day: date | None
    category: str | None
    placed: bool = False  # placed beside its neighbours after the last build


class MapStore(Protocol):
    """The stored map (replaced whole by a build, grown by placements) and day counts."""

    def put_map(self, points: Sequence[tuple[str, float, float, int]],
                clusters: Sequence[MapCluster], *, version: str) -> None:
        """Replace the map with these (paper id, x, y, cluster) points and clusters, in one
        transaction; version names it (map_version)."""
        ...

    def place_points(self, points: Sequence[tuple[str, float, float, int]], *,
                     version: str) -> None:
        """Add (or move) placed points between builds and recount the clusters' sizes."""
        ...

    def map_version(self) -> str | None:
        """The version of the stored map (None: never built); keys the cached payload."""
        ...

    def map_points(self) -> list[MapPoint]:
        """Every point of the map, by paper id."""
        ...

    def map_coordinates(self, paper_ids: Sequence[str]) -> dict[str, tuple[float, float, int]]:
        """(x, y, cluster) of the papers among paper_ids that are on the map."""
        ...

    def map_clusters(self) -> list[MapCluster]:
        """The clusters, by id."""
        ...

    def unmapped_ids(self, model: str) -> list[str]:
        """Papers that have a vector from model but no point on the map."""
        ...

    def cluster_paper_ids(self, cluster: int, *, limit: int, offset: int = 0) -> list[str]:
        """Papers of one cluster, newest first."""
        ...

    def day_counts(self, by: str, since: date) -> list[tuple[date, str, int]]:
        """(day, key, papers) for papers listed on or after since, keyed by "cluster" (its
        id as text; papers on the map only, by the day they had when mapped) or "category"
        (the primary category)."""
        ...

    def category_day_counts(self, category: str, since: date) -> list[tuple[date, int]]:
        """(day, papers) of papers listed on or after since whose primary category it is."""
        ...

    def paper_days(self, paper_ids: Sequence[str]) -> list[date]:
        """The listing day of each paper among paper_ids that has one."""
        ...
