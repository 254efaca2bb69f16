"""Halo's story on the demo's own Atlas and Halo: a report classified by Atlas; Atlas stopped,
a report classified by Halo's fallback at once; Atlas back, the report synced; then patterns
over real San Antonio points (moved forward to today), as Halo shows them near a place."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from safewatch.core.bundled import bundled_file
from safewatch.demo.narrator import DemoFailed, Narrator, expect
from safewatch.demo.stack import DemoStack, Services

DOWNTOWN = {"latitude": 29.4252, "longitude": -98.4946}  # San Antonio, where the points are
POINTS = "demo_points_sapd.csv.gz"
SYNC_SECONDS = 60.0


async def report(http: httpx.AsyncClient, text: str, say: Narrator) -> dict[str, Any]:
    started = time.perf_counter()
    incident = expect(
        await http.post("/api/v1/incidents", json={"description": text, **DOWNTOWN}), 201
    )
    took = (time.perf_counter() - started) * 1000
    source = incident["classification_source"]
    say.say(
        "Halo",
        f'"{text}" -> {incident["category"]}, severity {incident["severity"]}, '
        f"confidence {incident['confidence']:.2f}, by {source} ({took:.0f} ms)",
    )
    return incident


async def classified_by_atlas(http: httpx.AsyncClient, incident_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + SYNC_SECONDS
    while time.monotonic() < deadline:
        public = expect(await http.get(f"/api/v1/incidents/{incident_id}"), 200)
        if public["classification_source"] == "atlas":
            return dict(public)
        await asyncio.sleep(0.5)
    raise DemoFailed(f"incident {incident_id} was not synced within {SYNC_SECONDS:.0f} s")


async def play_reports(services: Services, say: Narrator) -> None:
    say.chapter("Halo: a report, classified by Atlas")
    async with httpx.AsyncClient(base_url=services.halo_url, timeout=10) as http:
        await report(http, "Gunshots heard outside the bus station", say)
    await say.pause()


async def play_outage(stack: DemoStack, say: Narrator) -> None:
    say.chapter("Halo: a report while Atlas is down")
    async with httpx.AsyncClient(base_url=stack.halo_url, timeout=10) as http:
        stack.stop("atlas")
        say.say("Atlas", "stopped")
        late = await report(http, "Someone smashed my car window and took the laptop", say)
        say.say("Halo", "stored at once; a durable job will ask Atlas when it is back")
        stack.start("atlas")
        say.say("Atlas", "started again")
        started = time.monotonic()
        synced = await classified_by_atlas(http, late["id"])
        say.say(
            "Halo",
            f"synced after {time.monotonic() - started:.1f} s: {synced['category']}, severity "
            f"{synced['severity']}, now by atlas (one threat at Atlas, idempotency key)",
        )


async def play_patterns(stack: Services, say: Narrator) -> None:
    say.chapter("Atlas: patterns over real San Antonio points")
    imported = stack.atlas_import(bundled_file(POINTS), "frontline")  # moved forward to now
    say.say("Atlas", f"import as frontline, moved forward to today: {imported}")
    headers = {"X-API-Key": stack.key, "X-Product": "halo"}
    async with httpx.AsyncClient(base_url=stack.atlas_url, headers=headers, timeout=10) as atlas:
        await _wait_for_patterns(atlas)
    async with httpx.AsyncClient(base_url=stack.halo_url, timeout=10) as halo:
        near = expect(
            await halo.get(
                "/api/v1/intelligence/patterns",
                params={"lat": DOWNTOWN["latitude"], "lon": DOWNTOWN["longitude"], "radius_km": 5},
            ),
            200,
        )
    say.say("Halo", f"{len(near['patterns'])} patterns within 5 km of downtown, for example:")
    for pattern in near["patterns"][:5]:
        say.say(
            "Halo", f"  {pattern['type']} ({pattern['significance']:.2f}): {pattern['description']}"
        )
    for advice in near["recommendations"][:3]:
        say.say("Halo", f"  advice: {advice['text']}")


async def _wait_for_patterns(atlas: httpx.AsyncClient) -> None:
    """The import queued a pattern run; Atlas's worker does it within seconds."""
    params = {"lat": DOWNTOWN["latitude"], "lon": DOWNTOWN["longitude"], "radius_km": 5}
    deadline = time.monotonic() + SYNC_SECONDS
    while time.monotonic() < deadline:
        answer = expect(await atlas.get("/api/v1/intelligence/patterns", params=params), 200)
        if answer["computed_at"] and answer["count"]:
            return
        await asyncio.sleep(0.5)
    raise DemoFailed("Atlas computed no patterns within a minute of the import")
