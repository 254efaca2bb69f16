"""Pattern detection quality: injected clusters in real background data, and data with no
structure.

Recall: 50 clusters (20-80 thefts, radius 150-500 m, spread over the last 1-7 days) are added,
one at a time, to the real SAPD thefts of the 14 weeks to 2025-11-05, centred on a random
real theft location. A cluster is found when a hotspot or emerging pattern of theft at
significance >= 0.7 reaches its centre. The same 50 places without the cluster are the control:
how often the place was already flagged.

False positives: 50 replicates of 2,000 events with no structure (uniform over a 20 km square
and over 13 weeks, two products, two categories). The share of replicates with any pattern at
each significance level should stay near or below 1 minus that level (the FDR-corrected tests
keep the family-wise error at about the level when nothing is there).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.forecast_pai import SAPD
from safewatch.atlas.patterns import grid
from safewatch.atlas.patterns.detect import DAY, Events, Found, detect
from safewatch.atlas.patterns.points import load_arrays

# The SAPD archive holds only the first 4-6 days of each month: the week to this END holds
# 2025-11-01..04 (real thefts), and the 13 weeks before it hold three such bursts.
END = datetime(2025, 11, 5, 6, tzinfo=UTC)
TRIALS = 50
LEVELS = (0.7, 0.9, 0.95)
DETECTORS = {"hotspot": {"hotspot"}, "emerging": {"emerging"}, "either": {"hotspot", "emerging"}}
M_PER_DEG = 111_195.0


def background(path: Path) -> Events:
    points, _ = load_arrays(path, {"theft"})
    keep = (points.t > END.timestamp() - 98 * DAY) & (points.t <= END.timestamp())
    n = int(keep.sum())
    return Events(
        np.array([f"bg{i}" for i in range(n)], dtype=object),
        points.lat[keep],
        points.lon[keep],
        points.t[keep],
        np.full(n, "theft", dtype=object),
        np.full(n, "halo", dtype=object),
    )


def inject(
    base: Events, rng: np.random.Generator, sizes: tuple[int, int]
) -> tuple[Events, tuple[float, float]]:
    centre = int(rng.integers(len(base)))
    lat0, lon0 = float(base.lat[centre]), float(base.lon[centre])
    size = int(rng.integers(sizes[0], sizes[1] + 1))
    radius, age = rng.uniform(150, 500), rng.uniform(1, 7)
    r = radius * np.sqrt(rng.uniform(0, 1, size))
    angle = rng.uniform(0, 2 * np.pi, size)
    lat = lat0 + r * np.sin(angle) / M_PER_DEG
    lon = lon0 + r * np.cos(angle) / (M_PER_DEG * np.cos(np.radians(lat0)))
    t = END.timestamp() - rng.uniform(0, age, size) * DAY
    extra = Events(
        np.array([f"in{i}" for i in range(size)], dtype=object),
        lat,
        lon,
        t,
        np.full(size, "theft", dtype=object),
        np.full(size, "halo", dtype=object),
    )
    return _concat(base, extra), (lat0, lon0)


def _concat(a: Events, b: Events) -> Events:
    fields = ("ids", "lat", "lon", "t", "category", "product")
    return Events(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in fields))


def reaches(found: list[Found], kinds: set[str], lat: float, lon: float) -> bool:
    for f in found:
        if f.type in kinds and f.significance >= 0.7:
            d = grid.distance_m(lat, lon, np.array([f.latitude]), np.array([f.longitude]))[0]
            if d <= f.radius_m:
                return True
    return False


def recall(console: Console, path: Path) -> None:
    base = background(path)
    without = detect(base, END, 7)
    table = Table(title=f"Injected clusters in real SAPD thefts ({len(base):,} background events)")
    for column in ("cluster size", "detector", "recall", "control (no cluster)"):
        table.add_column(column)
    started = time.perf_counter()
    for sizes in ((20, 80), (8, 15)):
        rng = np.random.default_rng(42)
        hits: Counter[str] = Counter()
        for _ in range(TRIALS):
            data, (lat, lon) = inject(base, rng, sizes)
            found = detect(data, END, 7)
            for name, kinds in DETECTORS.items():
                hits[name] += reaches(found, kinds, lat, lon)
                hits[f"{name} (control)"] += reaches(without, kinds, lat, lon)
        for name in DETECTORS:
            table.add_row(
                f"{sizes[0]}-{sizes[1]} events",
                name,
                f"{hits[name] / TRIALS:.2f}",
                f"{hits[f'{name} (control)'] / TRIALS:.2f}",
            )
    console.print(table)
    strong = Counter(f.type for f in without if f.significance >= 0.7)
    console.print(f"the background alone: patterns >= 0.7 by type {dict(strong)}")
    console.print(f"recall target >= 0.8 ({time.perf_counter() - started:.0f} s)")


def null_rate(console: Console) -> None:
    rng = np.random.default_rng(7)
    end = END.timestamp()
    with_any = {level: 0 for level in LEVELS}
    by_type: Counter[str] = Counter()
    for _ in range(TRIALS):
        n = 2000
        data = Events(
            np.array([f"n{i}" for i in range(n)], dtype=object),
            29.42 + rng.uniform(-10_000, 10_000, n) / M_PER_DEG,
            -98.49 + rng.uniform(-10_000, 10_000, n) / (M_PER_DEG * 0.87),
            end - rng.uniform(0, 91, n) * DAY,
            rng.choice(np.array(["theft", "burglary"], dtype=object), n),
            rng.choice(np.array(["halo", "frontline"], dtype=object), n),
        )
        found = detect(data, END, 7)
        for level in LEVELS:
            with_any[level] += any(f.significance >= level for f in found)
        for kind in {f.type for f in found if f.significance >= 0.7}:
            by_type[kind] += 1
    table = Table(title=f"No structure: {TRIALS} replicates of 2,000 uniform events")
    table.add_column("significance >=")
    table.add_column("replicates with any pattern")
    table.add_column("1 - level")
    for level in LEVELS:
        table.add_row(f"{level:g}", f"{with_any[level] / TRIALS:.2f}", f"{1 - level:.2f}")
    console.print(table)
    kinds = ", ".join(f"{k} {v / TRIALS:.2f}" for k, v in sorted(by_type.items())) or "none"
    console.print(f"replicates with a pattern >= 0.7, by type: {kinds}")


def run(console: Console, path: Path = SAPD) -> None:
    console.print(f"[bold]Pattern detection[/]: {TRIALS} trials each, up to {END:%Y-%m-%d}")
    recall(console, path)
    null_rate(console)
