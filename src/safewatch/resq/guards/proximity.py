"""Who is nearest: walking distance over the beacon graph, else straight line plus floors."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Place:
    beacon_id: str
    floor: int
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class RankedGuard:
    guard_id: int
    distance_m: float | None  # None: the guard's position is unknown


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def walking_distances(origin: str, links: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """Dijkstra from `origin` over undirected links; beacons not reached are absent."""
    graph: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for a, b, metres in links:
        graph[a].append((b, metres))
        graph[b].append((a, metres))
    best = {origin: 0.0}
    frontier = [(0.0, origin)]
    while frontier:
        distance, beacon = heapq.heappop(frontier)
        if distance > best[beacon]:
            continue
        for neighbour, metres in graph[beacon]:
            candidate = distance + metres
            if candidate < best.get(neighbour, math.inf):
                best[neighbour] = candidate
                heapq.heappush(frontier, (candidate, neighbour))
    return best


def straight_distance(a: Place, b: Place, floor_penalty_m: float) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    flat = haversine_m(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
    return flat + floor_penalty_m * abs(a.floor - b.floor)


def rank_guards(
    origin: Place,
    places: dict[str, Place],
    links: Sequence[tuple[str, str, float]],
    guards: Iterable[tuple[int, str | None]],
    *,
    floor_penalty_m: float,
) -> list[RankedGuard]:
    """Nearest first; ties by guard id; guards whose distance is unknown last (by id)."""
    walked = walking_distances(origin.beacon_id, links) if links else {}
    ranked = []
    for guard_id, beacon_id in guards:
        distance: float | None = None
        if beacon_id is not None:
            distance = walked.get(beacon_id)
            if distance is None and beacon_id in places:
                distance = straight_distance(origin, places[beacon_id], floor_penalty_m)
        ranked.append(RankedGuard(guard_id, distance))
    ranked.sort(key=lambda g: (g.distance_m is None, g.distance_m or 0.0, g.guard_id))
    return ranked
