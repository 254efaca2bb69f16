"""The in-process campus copy: fresh enough, and never a reload storm on made-up beacon ids."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.models import Beacon


async def test_a_beacon_added_later_is_found_on_a_miss(
    resq: ServiceRuntime, clock: FrozenClock
) -> None:
    cache = CampusCache(clock, ttl_seconds=3600, miss_reload_seconds=0)
    async with resq.db.transaction() as session:
        assert await cache.active_beacon(session, "safe:uuid:900:900") is None
        session.add(
            Beacon(
                beacon_id="safe:uuid:900:900",
                location_name="Gym",
                building="Gym",
                floor=1,
                latitude=None,
                longitude=None,
                created_at=clock.now(),
            )
        )
        await session.flush()
        found = await cache.active_beacon(session, "safe:uuid:900:900")
    assert found is not None and found.location_name == "Gym"


async def test_unknown_ids_reload_at_most_once_per_interval(
    resq: ServiceRuntime, clock: FrozenClock
) -> None:
    cache = CampusCache(clock, ttl_seconds=3600, miss_reload_seconds=3600)
    async with resq.db.transaction() as session:
        first = await cache.snapshot(session)
        for n in range(20):
            assert await cache.active_beacon(session, f"made-up-{n}") is None
        assert await cache.snapshot(session) is first


async def test_deactivation_is_seen_once_the_copy_expires(
    resq: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    body = {"beacon_id": "safe:uuid:101:101", "confidence_score": 0.9, "description": "Fight"}
    assert (await client.post("/api/ai/violence-detected/", json=body)).status_code == 201
    async with resq.db.transaction() as session:
        await session.execute(
            update(Beacon).where(Beacon.beacon_id == "safe:uuid:101:101").values(active=False)
        )
    resq.app.state.resq.campus.invalidate()  # what the TTL does after RESQ_CAMPUS_CACHE_SECONDS
    response = await client.post("/api/ai/violence-detected/", json=body)
    assert response.status_code == 404
    listed = await client.get("/api/beacons/")
    assert "safe:uuid:101:101" not in {b["beacon_id"] for b in listed.json()}


async def test_a_refresh_never_waits_on_a_caller_holding_the_only_connection(
    resq: ServiceRuntime, clock: FrozenClock
) -> None:
    """SQLite has one connection per process: a refresh must not wait on the caller that holds
    it (the lock-based cache deadlocked here under load)."""
    import asyncio

    from sqlalchemy import text

    cache = CampusCache(clock, ttl_seconds=10)
    async with resq.db.transaction() as session:
        await cache.snapshot(session)
    clock.advance(10)  # stale now

    async def mid_transaction_refresh() -> None:
        async with resq.db.transaction() as session:
            await session.execute(text("SELECT 1"))
            await asyncio.sleep(0.05)  # another request starts its own refresh meanwhile
            await cache.snapshot(session)

    async def fresh_request() -> None:
        await asyncio.sleep(0.01)
        async with resq.db.transaction() as session:
            await cache.active_beacon(session, "safe:uuid:101:101")

    await asyncio.wait_for(asyncio.gather(mid_transaction_refresh(), fresh_request()), 10)
