"""The intelligence API over HTTP: threats imported, the job run by the worker, patterns and
advice read back; parameter validation and the auth rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select
from tests.atlas.conftest import product_headers

from safewatch.atlas.models import jobs
from safewatch.atlas.patterns.importer import import_points
from safewatch.atlas.patterns.jobs import PATTERNS
from safewatch.atlas.patterns.models import Pattern
from safewatch.atlas.patterns.points import Point
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime

HALO = product_headers("halo")
LAT, LON = 59.33, 18.07
SPOT = (LAT + 0.009, LON + 0.014)  # about 1 km north-east of the centre


def points(now: datetime) -> list[Point]:
    """Thefts and burglaries spread over a 6 km square for 12 weeks, and 16 bicycle thefts at
    one spot in the last 5 days, all in the evening."""
    rng = np.random.default_rng(11)
    made = []
    for i in range(400):
        category = "theft" if i % 2 else "burglary"
        when = now - timedelta(days=float(rng.uniform(0, 90)))
        lat = LAT + rng.uniform(-0.027, 0.027)
        lon = LON + rng.uniform(-0.053, 0.053)
        made.append(Point(i, f"bg-{i}", when, lat, lon, category, "Stöld"))
    for i in range(16):
        when = (now - timedelta(days=1 + i % 5)).replace(hour=17, minute=i)
        lat = SPOT[0] + rng.uniform(-0.0005, 0.0005)
        lon = SPOT[1] + rng.uniform(-0.001, 0.001)
        made.append(Point(500 + i, f"bike-{i}", when, lat, lon, "theft", "Cykelstöld"))
    return made


@pytest.fixture
async def with_patterns(atlas: ServiceRuntime, clock: FrozenClock) -> ServiceRuntime:
    async with atlas.app.state.atlas.units.begin() as uow:
        await import_points(uow, "frontline", points(clock.now()))
    assert await atlas.worker.drain() >= 1  # the import queued a pattern run
    return atlas


def answer_all(response: httpx.Response) -> list[dict[str, object]]:
    patterns: list[dict[str, object]] = response.json()["patterns"]
    return patterns


async def get(client: httpx.AsyncClient, path: str, **params: object) -> httpx.Response:
    query = {"lat": SPOT[0], "lon": SPOT[1], "radius_km": 2} | params
    return await client.get(f"/api/v1/intelligence/{path}", params=query, headers=HALO)


async def test_an_import_queues_a_run_and_the_spot_is_a_pattern(
    with_patterns: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    answer = (await get(client, "patterns")).json()
    assert answer["count"] == len(answer["patterns"]) > 0
    theft = [p for p in answer["patterns"] if p["threat_types"] == ["theft"]]
    kinds = {p["type"] for p in theft}
    assert {"hotspot", "emerging"} <= kinds
    hot = next(p for p in theft if p["type"] == "hotspot")
    assert hot["distance_km"] < 0.3 and hot["count"] >= 16
    assert hot["significance"] >= 0.7 and hot["products"] == ["frontline"]
    assert all(p["significance"] >= 0.7 for p in answer["patterns"])
    assert answer["live_counts"]["theft"] >= 16
    assert answer["computed_at"] is not None


async def test_filters_by_threat_type_significance_range_and_place(
    with_patterns: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    only_burglary = (await get(client, "patterns", threat_types="burglary")).json()
    assert all(p["threat_types"] == ["burglary"] for p in only_burglary["patterns"])
    assert set(only_burglary["live_counts"]) <= {"burglary"}
    strict = (await get(client, "patterns", min_significance=0.999)).json()
    assert all(p["significance"] >= 0.999 for p in strict["patterns"])
    few = (await get(client, "patterns", limit=2)).json()
    assert few["count"] == 2 and few["patterns"] == answer_all(await get(client, "patterns"))[:2]
    month = (await get(client, "patterns", time_range="30d")).json()
    assert {p["time_range"] for p in month["patterns"]} == {"30d"}
    far = await client.get(
        "/api/v1/intelligence/patterns", params={"lat": 57.7, "lon": 11.97}, headers=HALO
    )
    assert far.json() == {"patterns": [], "count": 0, "live_counts": {}, "computed_at": None}


async def test_recommendations_are_specific(
    with_patterns: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    answer = (await get(client, "recommendations", threat_types="theft")).json()
    assert answer["count"] >= 1
    text = answer["recommendations"][0]["text"]
    assert "theft reports within" in text and "lock bikes in a guarded rack" in text


BAD = [
    ({"time_range": "banana"}, "7d"),
    ({"radius_km": 0}, "radius_km"),
    ({"radius_km": 10_000}, "radius_km"),
    ({"lat": 123}, "lat"),
    ({"lon": -200}, "lon"),
    ({"min_significance": 1.5}, "min_significance"),
    ({"threat_types": "theft,banana"}, "'banana'"),
    ({"limit": 0}, "limit"),
]


async def test_bad_parameters_are_a_4xx_that_says_what_to_fix(
    atlas: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    for params, says in BAD:
        for path in ("patterns", "recommendations"):
            response = await get(client, path, **params)
            assert response.status_code == 422, (params, response.text)
            assert says in response.json()["error"]["message"], params


async def test_a_missing_place_and_a_missing_key(
    atlas: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    missing = await client.get("/api/v1/intelligence/patterns", params={"lat": 1}, headers=HALO)
    assert missing.status_code == 422 and "lon" in missing.json()["error"]["message"]
    anonymous = await client.get("/api/v1/intelligence/patterns", params={"lat": 1, "lon": 2})
    assert anonymous.status_code == 401


async def test_the_periodic_run_is_scheduled_at_start_and_replaces_patterns(
    with_patterns: ServiceRuntime, clock: FrozenClock
) -> None:
    db = with_patterns.db
    async with db.sessions() as session:
        queued = await session.scalar(
            select(func.count()).select_from(jobs).where(jobs.c.kind == PATTERNS)
        )
        before = await session.scalar(select(func.count()).select_from(Pattern))
    assert queued == 2  # the import's run (done) and the next periodic one
    clock.advance(minutes=6)
    assert await with_patterns.worker.drain() >= 1
    async with db.sessions() as session:
        after = await session.scalar(select(func.count()).select_from(Pattern))
        computed = set(await session.scalars(select(Pattern.computed_at)))
    assert computed == {clock.now()}, "one run's patterns replace the last run's"
    assert 0 < after <= before + 5


async def test_classify_answers_with_the_stored_patterns_nearby(
    with_patterns: ServiceRuntime, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    body = {
        "type": "text",
        "data": "My bike was stolen",
        "context": {"latitude": SPOT[0], "longitude": SPOT[1]},
        "options": {"include_nearby_patterns": True},
    }
    answer = (await client.post("/api/v1/classify/threat", json=body, headers=HALO)).json()
    stored = [p for p in answer["nearby_patterns"] if p["pattern_type"] != "category_activity"]
    assert any(p["pattern_type"] == "hotspot" and p["threat_category"] == "theft" for p in stored)
    assert all(p["significance"] >= 0.7 and p["description"] for p in stored)
