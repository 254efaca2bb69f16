"""Places: H3 hexagon cells, their neighbourhoods, and a local metric projection."""

from __future__ import annotations

import math

import numpy as np
from h3.api import basic_int as h3
from scipy import sparse

EARTH_RADIUS_M = 6_371_008.8
# Resolution 9: about 0.1 km2 a cell (edge ~200 m), near the 150 m squares of the literature.
FINE = 9
# Resolution 8 (~0.74 km2): a neighbourhood, for hour-of-day profiles that need more events.
PLACE = 8


def cells_of(lat: np.ndarray, lon: np.ndarray, res: int = FINE) -> np.ndarray:
    return np.fromiter(
        (h3.latlng_to_cell(a, b, res) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)),
        dtype=np.uint64,
        count=len(lat),
    )


def study_area(occupied: np.ndarray) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The occupied cells plus their first ring (so empty cells count as zeros), and the binary
    neighbourhood matrix (each cell and its up to 6 neighbours) over them."""
    ring = {c for cell in np.unique(occupied).tolist() for c in h3.grid_disk(cell, 1)}
    cells = np.array(sorted(ring), dtype=np.uint64)
    index = {c: i for i, c in enumerate(cells.tolist())}
    rows, cols = [], []
    for i, cell in enumerate(cells.tolist()):
        for neighbour in h3.grid_disk(cell, 1):
            j = index.get(neighbour)
            if j is not None:
                rows.append(i)
                cols.append(j)
    weights = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(cells), len(cells)))
    return cells, weights


def counts_in(cells: np.ndarray, event_cells: np.ndarray) -> np.ndarray:
    """How many events fall in each of `cells` (sorted); events outside are ignored."""
    position = np.searchsorted(cells, event_cells)
    position = np.clip(position, 0, max(len(cells) - 1, 0))
    inside = cells[position] == event_cells if len(cells) else np.zeros(0, bool)
    return np.bincount(position[inside], minlength=len(cells))


def centre(cell: int) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    return float(lat), float(lon)


def edge_m(res: int = FINE) -> float:
    return float(h3.average_hexagon_edge_length(res, unit="m"))


def cell_name(cell: int) -> str:
    return h3.int_to_str(cell)


def to_metres(lat: np.ndarray, lon: np.ndarray, lat0: float | None = None) -> np.ndarray:
    """An equirectangular projection about the data's mean latitude: metres, good to a city."""
    lat0 = float(np.mean(lat)) if lat0 is None and len(lat) else (lat0 or 0.0)
    x = np.radians(lon) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    y = np.radians(lat) * EARTH_RADIUS_M
    return np.column_stack([x, y])


def distance_m(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Haversine distances from one point to many."""
    p1, p2 = math.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
