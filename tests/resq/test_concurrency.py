"""Dedup under real concurrency: real server processes, real sockets, both databases."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from safewatch.core.db import Database
from safewatch.core.testing.servers import serve_process
from safewatch.resq.models import (
    AIEvent,
    GuardAlert,
    GuardAssignment,
    Incident,
    IncidentSignal,
)
from tests.resq.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.server


@pytest.fixture
def servers(
    backend: str, database_url: Callable[[str], str], tmp_path: Path
) -> Iterator[tuple[str, list[str]]]:
    """One ResQ process on SQLite; two processes sharing one database on PostgreSQL."""
    url = database_url("resq")
    env = {
        "RESQ_DATABASE_URL": url,
        "RESQ_AI_RATE_LIMIT": "100000/minute",
        "SAFEWATCH_DEMO_PASSWORD": DEMO_PASSWORD,
    }
    count = 2 if backend == "postgres" else 1
    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                serve_process("resq", data_dir=tmp_path, env=env, extra_args=("--demo",))
            )
            for _ in range(count)
        ]
        yield url, urls


async def fire(urls: list[str], bodies: list[dict[str, object]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(f"{urls[i % len(urls)]}/api/ai/violence-detected/", json=body)
                for i, body in enumerate(bodies)
            )
        )


async def totals(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            return {
                model.__tablename__: int(
                    (await session.execute(select(func.count()).select_from(model))).scalar_one()
                )
                for model in (Incident, IncidentSignal, AIEvent, GuardAlert)
            }
    finally:
        await db.dispose()


async def test_200_simultaneous_detections_at_one_beacon_make_one_incident(
    servers: tuple[str, list[str]],
) -> None:
    database, urls = servers
    bodies: list[dict[str, object]] = [
        {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": f"cam {i}"}
        for i in range(200)
    ]
    responses = await fire(urls, bodies)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 200: 199}, statuses
    assert len({r.json()["incident_id"] for r in responses}) == 1
    assert await totals(database) == {
        "incidents": 1,
        "incident_signals": 200,
        "ai_events": 200,
        "guard_alerts": 3,
    }


async def test_interleaved_bursts_at_ten_beacons_make_ten_incidents(
    servers: tuple[str, list[str]],
) -> None:
    database, urls = servers
    beacons = [f"safe:uuid:{n}:{n}" for n in (101, 102, 201, 202, 401, 402, 403, 501, 502, 601)]
    bodies: list[dict[str, object]] = [
        {"beacon_id": beacons[i % 10], "confidence_score": 0.95, "description": "burst"}
        for i in range(200)
    ]
    responses = await fire(urls, bodies)
    assert all(r.status_code in (200, 201) for r in responses)
    per_beacon: dict[str, set[str]] = {}
    for body, response in zip(bodies, responses, strict=True):
        per_beacon.setdefault(str(body["beacon_id"]), set()).add(response.json()["incident_id"])
    assert all(len(ids) == 1 for ids in per_beacon.values())
    assert Counter(r.status_code for r in responses)[201] == 10
    counts = await totals(database)
    assert counts["incidents"] == 10 and counts["incident_signals"] == 200


async def test_simultaneous_accepts_have_exactly_one_winner_per_incident(
    servers: tuple[str, list[str]],
) -> None:
    database, urls = servers
    beacons = [
        f"safe:uuid:{n}:{n}"
        for n in (101, 102, 201, 202, 401, 402, 403, 501, 502, 601, 602, 701, 702, 703)
    ]
    async with httpx.AsyncClient(timeout=60) as client:
        for beacon in beacons:
            created = await client.post(
                f"{urls[0]}/api/ai/violence-detected/",
                json={"beacon_id": beacon, "confidence_score": 0.9, "description": "fight"},
            )
            assert created.status_code == 201
        tokens = {}
        for guard in ("guard1", "guard2", "guard3", "guard4", "guard5", "guard6"):
            signed = await client.post(
                f"{urls[0]}/api/auth/token/", json={"username": guard, "password": DEMO_PASSWORD}
            )
            tokens[guard] = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        offers = []
        for headers in tokens.values():
            for alert in (await client.get(f"{urls[0]}/api/alerts/", headers=headers)).json():
                offers.append((alert["incident"]["id"], alert["id"], headers))
        assert len(offers) == 3 * len(beacons)
        answers = await asyncio.gather(
            *(
                client.post(
                    f"{urls[i % len(urls)]}/api/alerts/{alert_id}/acknowledge/", headers=headers
                )
                for i, (_, alert_id, headers) in enumerate(offers)
            )
        )
    per_incident: dict[str, Counter[int]] = {}
    for (incident_id, _, _), answer in zip(offers, answers, strict=True):
        per_incident.setdefault(incident_id, Counter())[answer.status_code] += 1
    assert all(codes == {200: 1, 409: 2} for codes in per_incident.values()), per_incident
    db = Database(database)
    try:
        async with db.transaction() as session:
            assigned = (
                await session.execute(select(func.count()).select_from(GuardAssignment))
            ).scalar_one()
            statuses = Counter((await session.execute(select(GuardAlert.status))).scalars())
    finally:
        await db.dispose()
    assert assigned == len(beacons)
    assert statuses == {"ACKNOWLEDGED": len(beacons), "CLOSED": 2 * len(beacons)}
