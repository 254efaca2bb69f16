"""Each pattern type on a small hand-made city: a planted structure is found where it was put,
and plain scattered data gives nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from safewatch.atlas.patterns import grid
from safewatch.atlas.patterns.detect import DAY, Events, Found, detect

END = datetime(2026, 6, 1, tzinfo=UTC)
LAT, LON = 59.33, 18.07
M_PER_DEG = 111_195.0


def scatter(
    rng: np.random.Generator, n: int, category: str, days: float, product: str = "halo"
) -> dict[str, list]:
    """n events spread over a 6 km square and the `days` before END."""
    return {
        "lat": (LAT + rng.uniform(-3000, 3000, n) / M_PER_DEG).tolist(),
        "lon": (LON + rng.uniform(-3000, 3000, n) / (M_PER_DEG * 0.51)).tolist(),
        "t": (END.timestamp() - rng.uniform(0, days, n) * DAY).tolist(),
        "category": [category] * n,
        "product": [product] * n,
    }


def spot(
    rng: np.random.Generator,
    n: int,
    category: str,
    *,
    metres: float = 60,
    days: float = 5,
    hour: float | None = None,
    products: tuple[str, ...] = ("halo",),
) -> dict[str, list]:
    """n events within `metres` of a point 1 km north-east of the centre, in the last `days`."""
    t = END.timestamp() - rng.uniform(0, days, n) * DAY
    if hour is not None:  # same local solar hour (UTC + lon/15) every day
        day_start = (t // DAY) * DAY
        t = day_start + ((hour - (LON + 0.014) / 15) % 24) * 3600 + rng.uniform(0, 1800, n)
        t = np.where(t > END.timestamp(), t - DAY, t)
    return {
        "lat": (LAT + 0.009 + rng.uniform(-metres, metres, n) / M_PER_DEG).tolist(),
        "lon": (LON + 0.014 + rng.uniform(-metres, metres, n) / (M_PER_DEG * 0.51)).tolist(),
        "t": t.tolist(),
        "category": [category] * n,
        "product": [products[i % len(products)] for i in range(n)],
    }


def events(*parts: dict[str, list]) -> Events:
    merged = {k: [v for p in parts for v in p[k]] for k in parts[0]}
    n = len(merged["t"])
    return Events(
        np.array([f"e{i}" for i in range(n)], dtype=object),
        np.array(merged["lat"]),
        np.array(merged["lon"]),
        np.array(merged["t"]),
        np.array(merged["category"], dtype=object),
        np.array(merged["product"], dtype=object),
    )


def planted_ids(background: int, planted: int) -> set[str]:
    return {f"e{i}" for i in range(background, background + planted)}


def of_type(found: list[Found], kind: str, min_significance: float = 0.7) -> list[Found]:
    return [f for f in found if f.type == kind and f.significance >= min_significance]


def near_spot(pattern: Found, metres: float = 300) -> bool:
    d = grid.distance_m(
        LAT + 0.009, LON + 0.014, np.array([pattern.latitude]), np.array([pattern.longitude])
    )
    return bool(d[0] <= metres)


def test_hotspot_over_a_planted_concentration() -> None:
    rng = np.random.default_rng(1)
    found = detect(events(scatter(rng, 150, "theft", 60), spot(rng, 15, "theft")), END, 7)
    hot = of_type(found, "hotspot")
    assert hot and near_spot(hot[0])
    assert hot[0].threat_types == ["theft"] and hot[0].count >= 15
    assert hot[0].cells and hot[0].description.startswith(f"{hot[0].count} theft reports")


def test_emerging_when_a_quiet_place_gets_busy() -> None:
    rng = np.random.default_rng(2)
    found = detect(events(scatter(rng, 400, "vandalism", 91), spot(rng, 12, "vandalism")), END, 7)
    rising = of_type(found, "emerging")
    assert rising and near_spot(rising[0], 600)
    assert rising[0].details["recent"] > 3 * rising[0].details["expected"]


def test_emerging_not_for_a_place_that_was_always_busy() -> None:
    rng = np.random.default_rng(3)
    steady = spot(rng, 130, "vandalism", days=91)  # ~10 a week for 13 weeks
    found = detect(events(scatter(rng, 400, "vandalism", 91), steady), END, 7)
    assert not of_type(found, "emerging")
    assert of_type(found, "hotspot")  # still a concentration in space


def test_repeat_series_of_near_repeats() -> None:
    rng = np.random.default_rng(4)
    background = scatter(rng, 60, "burglary", 7)
    found = detect(events(background, spot(rng, 6, "burglary", metres=80, days=2)), END, 7)
    series = of_type(found, "repeat_series")
    assert series and near_spot(series[0])
    assert set(series[0].example_ids) <= planted_ids(60, 6) | set()
    assert series[0].details["knox_ratio"] > 1


def test_cross_product_cluster_through_two_products() -> None:
    rng = np.random.default_rng(5)
    halo = scatter(rng, 40, "violence", 7, "halo")
    frontline = scatter(rng, 40, "violence", 7, "frontline")
    both = spot(rng, 5, "violence", metres=40, days=0.1, products=("halo", "frontline"))
    found = detect(events(halo, frontline, both), END, 7)
    cross = of_type(found, "cross_product")
    assert cross and near_spot(cross[0])
    assert cross[0].products == ["frontline", "halo"]
    assert set(cross[0].example_ids) <= planted_ids(80, 5)


def test_time_of_day_in_the_evening() -> None:
    rng = np.random.default_rng(6)
    background = scatter(rng, 300, "theft", 60)
    evening = spot(rng, 14, "theft", metres=150, days=6.5, hour=19.2)
    found = detect(events(background, evening), END, 7)
    by_hour = of_type(found, "time_of_day")
    assert by_hour and near_spot(by_hour[0], 800)
    assert by_hour[0].details["peak_hours"] == "16-20h"
    assert "between 16-20h" in by_hour[0].description


def test_scattered_data_gives_no_confident_pattern() -> None:
    rng = np.random.default_rng(7)
    data = events(
        scatter(rng, 300, "theft", 91, "halo"), scatter(rng, 300, "burglary", 91, "frontline")
    )
    found = detect(data, END, 7)
    assert not [f for f in found if f.significance >= 0.9]
