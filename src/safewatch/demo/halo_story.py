"""Halo's story on the demo's own Atlas and Halo: a report classified by Atlas; Atlas stopped,
a report classified by Halo's fallback at once; Atlas back, the report synced; then patterns
over real San Antonio points, as Halo shows them near a place."""

from __future__ import annotations

import asyncio
import csv
import gzip
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from safewatch.core.bundled import bundled_file
from safewatch.demo.narrator import DemoFailed, Narrator, expect
from safewatch.demo.stack import DemoStack

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


async def play_outage(stack: DemoStack, say: Narrator) -> None:
    say.chapter("Halo: reports, with Atlas and without it")
    async with httpx.AsyncClient(base_url=stack.halo_url, timeout=10) as http:
        await report(http, "Gunshots heard outside the bus station", say)
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


def shifted_points(target: Path) -> Path:
    """The bundled real points moved forward so the last one is now: patterns look at the
    last 7 and 30 days."""
    with gzip.open(bundled_file(POINTS), "rt", encoding="utf-8", newline="") as lines:
        rows = list(csv.DictReader(lines))
    times = [datetime.fromisoformat(r["occurred_at"]) for r in rows]
    shift = datetime.now(times[-1].tzinfo) - max(times)
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row, when in zip(rows, times, strict=True):
            writer.writerow({**row, "occurred_at": (when + shift).isoformat()})
    return target


async def play_patterns(stack: DemoStack, say: Narrator) -> None:
    say.chapter("Atlas: patterns over real San Antonio points")
    points = shifted_points(stack.scratch / "points.csv")
    say.say("Atlas", f"import as frontline: {stack.atlas_import(points, 'frontline')}")
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
