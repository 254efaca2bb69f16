"""Risk per cell for the horizon after a date, from the points before it; and the PAI score.

The ranking is recency-weighted counts: every past event in a cell counts exp(-age / tau)
(tau = half-life / ln 2) over the last 3 years, plus a little of the neighbouring cells'
weight (ties among quiet cells) and of the other categories' activity in the cell (scaled to
this category's total). With an infinite half-life and neither extra it is exactly the
"counts of the past 3 years per cell" baseline the literature finds hard to beat (`NAIVE`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from safewatch.atlas.patterns import grid

DAY = 86400.0
LOOKBACK_DAYS = 3 * 365
CELL_M = 150.0
STUDY_REACH_M = 500.0  # the default grid: cells within this of any earlier event


@dataclass(frozen=True)
class Model:
    """Defaults: what the SAPD tuning weeks chose (bench/forecast_pai.py)."""

    half_life_days: float = 365.0
    neighbour_weight: float = 0.2
    other_weight: float = 0.2  # other categories' activity in the cell, scaled to this one's


NAIVE = Model(half_life_days=math.inf, neighbour_weight=0.0, other_weight=0.0)


@dataclass
class Cells:
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def default_grid(lat: np.ndarray, lon: np.ndarray, cell_m: float = CELL_M) -> Cells:
    """Squares of `cell_m` from a fixed origin (the points' south-west corner, rounded down to
    0.01 degree) that lie within 500 m of any point."""
    lat0, lon0 = math.floor(lat.min() * 100) / 100, math.floor(lon.min() * 100) / 100
    xy = grid.to_metres(lat, lon, lat0) - grid.to_metres(np.array([lat0]), np.array([lon0]), lat0)
    occupied = np.unique(np.floor(xy / cell_m).astype(np.int64), axis=0)
    reach = math.ceil(STUDY_REACH_M / cell_m)
    offsets = np.array(
        [(dx, dy) for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)]
    )
    offsets = offsets[np.hypot(*offsets.T) * cell_m <= STUDY_REACH_M + cell_m / 2]
    near = np.unique((occupied[:, None, :] + offsets[None, :, :]).reshape(-1, 2), axis=0)
    centre_xy = (near + 0.5) * cell_m
    m_per_deg = grid.EARTH_RADIUS_M * math.pi / 180
    lat_c = lat0 + centre_xy[:, 1] / m_per_deg
    lon_c = lon0 + centre_xy[:, 0] / (m_per_deg * math.cos(math.radians(lat0)))
    ids = np.array([f"x{x}y{y}" for x, y in near.tolist()], dtype=object)
    return Cells(ids, lat_c, lon_c)


class Scorer:
    """Points assigned once to the nearest cell centre (within the cell's half-diagonal)."""

    def __init__(self, cells: Cells, lat: np.ndarray, lon: np.ndarray, t: np.ndarray) -> None:
        lat0 = float(np.mean(cells.lat))
        centres = grid.to_metres(cells.lat, cells.lon, lat0)
        self.tree = cKDTree(centres)
        spacing = np.median(self.tree.query(centres, k=2)[0][:, 1]) if len(cells) > 1 else CELL_M
        distance, nearest = self.tree.query(grid.to_metres(lat, lon, lat0))
        inside = distance <= spacing / math.sqrt(2) + 1.0  # a point on a corner counts
        self.cell, self.t = nearest[inside], t[inside]
        order = np.argsort(self.t)
        self.cell, self.t = self.cell[order], self.t[order]
        self.n = len(cells)
        pairs = self.tree.query_pairs(spacing * 1.5, output_type="ndarray")  # the 8 around
        self.neighbours = pairs

    def score(self, at: float, horizon_days: float, model: Model) -> np.ndarray:
        """Expected events per cell in the horizon (up to a common factor)."""
        lo, hi = np.searchsorted(self.t, [at - LOOKBACK_DAYS * DAY, at])
        age = (at - self.t[lo:hi]) / DAY
        if math.isinf(model.half_life_days):
            weight = np.ones_like(age)
        else:
            weight = np.exp(-age * math.log(2) / model.half_life_days)
        own: np.ndarray = np.bincount(self.cell[lo:hi], weights=weight, minlength=self.n)
        if model.neighbour_weight and len(self.neighbours):
            i, j = self.neighbours[:, 0], self.neighbours[:, 1]
            around = np.bincount(i, weights=own[j], minlength=self.n) + np.bincount(
                j, weights=own[i], minlength=self.n
            )
            own = own + model.neighbour_weight * around / 8
        return own * horizon_days / LOOKBACK_DAYS

    def counts(self, start: float, end: float) -> np.ndarray:
        lo, hi = np.searchsorted(self.t, [start, end])
        return np.bincount(self.cell[lo:hi], minlength=self.n)


def forecast(
    own: Scorer, other: Scorer | None, at: float, horizon_days: float, model: Model
) -> np.ndarray:
    """The category's own score plus, if given, a share of every other category's: busy places
    (calls of any kind) carry some risk of this kind too."""
    scores = own.score(at, horizon_days, model)
    if other is None or not model.other_weight:
        return scores
    extra = other.score(at, horizon_days, model)
    return scores + model.other_weight * extra * scores.sum() / max(extra.sum(), 1e-12)


def hits(scores: np.ndarray, actual: np.ndarray, share: float) -> tuple[int, int]:
    """(events in the top `share` of cells by score, cells flagged)."""
    flagged = max(1, math.ceil(share * len(scores)))
    top = np.argsort(-scores, kind="stable")[:flagged]
    return int(actual[top].sum()), flagged


def pai(hit: int, total: int, flagged: int, cells: int) -> float:
    """Predictive Accuracy Index: share of events caught over share of area flagged."""
    return (hit / total) / (flagged / cells) if total else float("nan")


def read_cells(path: Path) -> Cells:
    """Cell centres from a CSV with columns id,lat,lon."""
    ids, lat, lon = [], [], []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not {"id", "lat", "lon"} <= set(reader.fieldnames or []):
            raise ValueError("send a CSV with columns id,lat,lon (cell centres)")
        for row in reader:
            try:
                lat.append(float(row["lat"]))
                lon.append(float(row["lon"]))
            except (TypeError, ValueError):
                raise ValueError(f"line {reader.line_num}: lat/lon are not numbers") from None
            ids.append(row["id"])
    if not ids:
        raise ValueError("no cells in the file")
    return Cells(np.array(ids, dtype=object), np.array(lat), np.array(lon))
