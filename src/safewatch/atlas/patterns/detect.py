"""From threats (arrays) to patterns: each type runs its test, corrects for the places tested,
and turns what is significant into a `Found` with its extent, window and a one-line description.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from scipy import sparse

from safewatch.atlas.patterns import grid, stats

DAY = 86400.0
BASELINE_DAYS = 84  # the trailing 12 weeks a place's recent count is compared with
MIN_EVENTS = 3  # fewer events of a category in a window: nothing to test
SERIES_DISTANCE_M = 200.0
SERIES_DAYS = 3.0
# Reports of one event through two products: the anchors' duplicate scale (150 m, 2-3 h).
CROSS_DISTANCE_M = 150.0
CROSS_HOURS = 3.0
PERMUTATIONS = 199
TIME_OF_DAY_MIN = 8
MAX_PER_KIND = 25  # per category and type, strongest first
EXAMPLES = 5
# Patterns below this significance are not kept (a reader's min_significance filters above it).
FLOOR = 0.5


@dataclass
class Events:
    """Threats as columns; `t` in epoch seconds (UTC)."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    t: np.ndarray
    category: np.ndarray
    product: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: np.ndarray) -> Events:
        return Events(*(getattr(self, f)[mask] for f in _FIELDS))


_FIELDS = ("ids", "lat", "lon", "t", "category", "product")


@dataclass
class Found:
    type: str
    threat_types: list[str]
    latitude: float
    longitude: float
    radius_m: float
    window_start: datetime
    window_end: datetime
    count: int
    significance: float
    description: str
    products: list[str]
    example_ids: list[str]
    cells: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def detect(events: Events, end: datetime, days: int, rng_seed: int = 0) -> list[Found]:
    """Every pattern type over the window of `days` ending at `end`, significance >= FLOOR."""
    rng = np.random.default_rng(rng_seed)
    until = end.timestamp()
    since = until - days * DAY
    history = events.subset((events.t > since - BASELINE_DAYS * DAY) & (events.t <= until))
    window = Window(end - timedelta(days=days), end, days)
    found: list[Found] = []
    for category in sorted(set(history.category.tolist())):
        past = history.subset(history.category == category)
        recent = past.subset(past.t > since)
        if len(recent) < MIN_EVENTS:
            continue
        found += hotspots(past, recent, window)
        found += emerging(past, recent, window)
        found += time_of_day(past, recent, window)
    found += repeat_series(history.subset(history.t > since), window, rng)
    found += cross_product(history.subset(history.t > since), window, rng)
    return found


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    days: int


def hotspots(past: Events, recent: Events, window: Window) -> list[Found]:
    """Gi* of the window's counts per fine cell over the cells the category used lately."""
    cells, weights = grid.study_area(grid.cells_of(past.lat, past.lon))
    where = grid.cells_of(recent.lat, recent.lon)
    counts = grid.counts_in(cells, where)
    z, p = stats.gi_star(counts, weights)
    q = stats.fdr(p)
    mean = counts.mean()
    found = []
    for members in _regions(weights, q, counts):
        local = int(counts[members].sum())
        ratio = local / (mean * len(members)) if mean else float("inf")
        found.append(
            _cell_pattern(
                "hotspot",
                recent,
                where,
                cells[members],
                window,
                1 - float(q[members].min()),
                f"{local} {_label(recent)} reports in {len(members)} hexagon cell(s) in "
                f"{_span(window)}, {ratio:.1f}x the area's average",
                {"gi_z": round(float(z[members].max()), 2), "ratio": round(ratio, 2)},
            )
        )
    return found


def emerging(past: Events, recent: Events, window: Window) -> list[Found]:
    """Each place's (cell and neighbours) recent share of its own 12 weeks + window."""
    cells, weights = grid.study_area(grid.cells_of(past.lat, past.lon))
    where = grid.cells_of(recent.lat, recent.lon)
    now_counts = weights @ grid.counts_in(cells, where)
    all_counts = weights @ grid.counts_in(cells, grid.cells_of(past.lat, past.lon))
    p = stats.rate_rise(now_counts, all_counts)
    q = stats.fdr(p)
    share = len(recent) / len(past)
    found = []
    for members in _regions(weights, q, now_counts):
        best = members[np.argmin(q[members])]
        seen, total = int(now_counts[best]), int(all_counts[best])
        expected = total * share
        reach = np.unique(weights[members].nonzero()[1])  # the places' cells and neighbours
        found.append(
            _cell_pattern(
                "emerging",
                recent,
                where,
                cells[reach],
                window,
                1 - float(q[best]),
                f"{_label(recent).capitalize()} rising: {seen} in {_span(window)} where "
                f"{expected:.1f} were expected from the previous {BASELINE_DAYS // 7} weeks",
                {"recent": seen, "expected": round(expected, 2)},
            )
        )
    return found


def time_of_day(past: Events, recent: Events, window: Window) -> list[Found]:
    """Places whose events crowd into one 4-hour block, against the category's own profile."""
    hours = local_hours(recent)
    profile = stats.hour_profile(local_hours(past))
    places = grid.cells_of(recent.lat, recent.lon, grid.PLACE)
    tested = []
    for place in np.unique(places).tolist():
        inside = places == place
        if inside.sum() >= TIME_OF_DAY_MIN:
            tested.append((place, inside, *stats.peak_hours(hours[inside], profile)))
    q = stats.fdr(np.array([t[4] for t in tested]))
    found = []
    for (place, inside, start, count, _), q_value in zip(tested, q, strict=True):
        if q_value > 1 - FLOOR:
            continue
        here = recent.subset(inside)
        block = f"{start:02d}-{start + stats.HOUR_BLOCK:02d}h"
        found.append(
            _event_pattern(
                "time_of_day",
                here,
                window,
                1 - float(q_value),
                f"{count} of {len(here)} {_label(here)} reports here in {_span(window)} "
                f"between {block} (local solar time)",
                {"peak_hours": block, "peak_start_hour": start, "in_peak": count},
                cells=[grid.cell_name(place)],
            )
        )
    return found[:MAX_PER_KIND]


def repeat_series(recent: Events, window: Window, rng: np.random.Generator) -> list[Found]:
    """Knox test per category; series are groups joined by near-repeat links."""
    found = []
    for events, result, q_value in _knox_by_category(
        recent, SERIES_DISTANCE_M, SERIES_DAYS, rng, cross=False
    ):
        for members in stats.components(len(events), result.links, 3)[:MAX_PER_KIND]:
            series = events.subset(members)
            found.append(
                _event_pattern(
                    "repeat_series",
                    series,
                    window,
                    1 - q_value,
                    f"Series of {len(series)} {_label(series)} incidents, each within "
                    f"{SERIES_DISTANCE_M:.0f} m and {SERIES_DAYS:.0f} days of another "
                    f"(Knox ratio {result.ratio:.2f})",
                    {"knox_ratio": round(result.ratio, 3), "knox_p": result.p},
                )
            )
    return found


def cross_product(recent: Events, window: Window, rng: np.random.Generator) -> list[Found]:
    """Cross-product Knox per category: reports from different products near each other in
    space and time, against the same count with times shuffled; a cluster is a group joined by
    such links (the same event or the same trouble seen through two products)."""
    found = []
    for events, result, q_value in _knox_by_category(
        recent, CROSS_DISTANCE_M, CROSS_HOURS / 24, rng, cross=True
    ):
        for members in stats.components(len(events), result.links, 2)[:MAX_PER_KIND]:
            cluster = events.subset(members)
            products = sorted(set(cluster.product.tolist()))
            found.append(
                _event_pattern(
                    "cross_product",
                    cluster,
                    window,
                    1 - q_value,
                    f"{len(cluster)} {_label(cluster)} reports from {' and '.join(products)} "
                    f"within {CROSS_DISTANCE_M:.0f} m and {CROSS_HOURS:.0f} h of each other",
                    {"knox_ratio": round(result.ratio, 3), "knox_p": result.p},
                )
            )
    return found


def _knox_by_category(
    recent: Events, distance_m: float, days: float, rng: np.random.Generator, *, cross: bool
) -> Iterator[tuple[Events, stats.Knox, float]]:
    """(events, Knox result, BH q over the categories tested) for each significant category."""
    tests = []
    for category in sorted(set(recent.category.tolist())):
        events = recent.subset(recent.category == category)
        if len(events) < 2 or (cross and len(set(events.product.tolist())) < 2):
            continue
        groups = np.unique(events.product, return_inverse=True)[1] if cross else None
        xy = grid.to_metres(events.lat, events.lon)
        result = stats.knox(
            xy, events.t / DAY, distance_m, days, groups=groups, permutations=PERMUTATIONS, rng=rng
        )
        tests.append((events, result))
    q = stats.fdr(np.array([r.p for _, r in tests]))
    for (events, result), q_value in zip(tests, q, strict=True):
        if q_value <= 1 - FLOOR:
            yield events, result, float(q_value)


def local_hours(events: Events) -> np.ndarray:
    """Hour of day in local solar time (UTC + longitude / 15): no time-zone table needed."""
    return ((events.t / 3600.0 + events.lon / 15.0) % 24).astype(int)


def _regions(weights: sparse.csr_matrix, q: np.ndarray, counts: np.ndarray) -> Iterator[np.ndarray]:
    """Touching cells significant at FLOOR with events, grouped; strongest first."""
    keep = np.flatnonzero((q <= 1 - FLOOR) & (counts > 0))
    if keep.size == 0:
        return
    sub = weights[keep][:, keep]
    groups = stats.components(len(keep), np.column_stack(sub.nonzero()), 1)
    groups.sort(key=lambda g: float(q[keep[g]].min()))
    for group in groups[:MAX_PER_KIND]:
        yield keep[group]


def _cell_pattern(
    kind: str,
    recent: Events,
    where: np.ndarray,
    cells: np.ndarray,
    window: Window,
    significance: float,
    description: str,
    details: dict[str, Any],
) -> Found:
    inside = recent.subset(np.isin(where, cells))
    return _event_pattern(
        kind,
        inside,
        window,
        significance,
        description,
        details,
        cells=[grid.cell_name(c) for c in cells.tolist()],
        extra_m=grid.edge_m(),
    )


def _event_pattern(
    kind: str,
    events: Events,
    window: Window,
    significance: float,
    description: str,
    details: dict[str, Any],
    *,
    cells: list[str] | None = None,
    extra_m: float = 50.0,
) -> Found:
    lat, lon = float(events.lat.mean()), float(events.lon.mean())
    radius = float(grid.distance_m(lat, lon, events.lat, events.lon).max()) + extra_m
    newest = np.argsort(-events.t)[:EXAMPLES]
    return Found(
        type=kind,
        threat_types=sorted(set(events.category.tolist())),
        latitude=lat,
        longitude=lon,
        radius_m=round(radius, 1),
        window_start=window.start,
        window_end=window.end,
        count=len(events),
        significance=round(max(0.0, min(1.0, significance)), 4),
        description=description,
        products=sorted(set(events.product.tolist())),
        example_ids=[str(i) for i in events.ids[newest].tolist()],
        cells=cells or [],
        details=details,
    )


def _label(events: Events) -> str:
    return "/".join(sorted(set(events.category.tolist()))).replace("_", " ")


def _span(window: Window) -> str:
    return f"the {window.days} days to {window.end.astimezone(UTC):%Y-%m-%d}"
