"""A Halo that cannot use Atlas says why, and promises no sync that will never happen: no key
(atlas_not_configured), a key Atlas refuses (atlas_rejected), a sync Atlas refuses later."""

from __future__ import annotations

import uuid
from typing import Any

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.halo.models import CrimeIncident
from tests.halo.conftest import STOCKHOLM, HaloFactory, SwitchableAtlas, http, job_rows
from tests.halo.test_with_real_atlas import atlas_threats

GUNSHOTS = {"description": "Gunshots heard", **STOCKHOLM}


async def report_and_readiness(halo: ServiceRuntime) -> tuple[dict[str, Any], dict[str, Any]]:
    async with http(halo) as client:
        response = await client.post("/api/v1/incidents", json=GUNSHOTS)
        assert response.status_code == 201, response.text
        ready = await client.get("/readyz")
    assert ready.status_code == 200  # the fallback still serves: ready, with the reason
    return response.json(), ready.json()["details"]["atlas"]


async def test_without_a_key_the_fallback_decides_and_nothing_is_promised(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime
) -> None:
    halo = await make_halo(transport=switchable, atlas={"api_key": None})
    incident, link = await report_and_readiness(halo)
    assert incident["classification_source"] == "fallback"
    assert incident["fallback_reason"] == "atlas_not_configured"
    assert incident["category"] == "weapons"  # the keyword fallback knows gunshots
    assert await job_rows(halo) == []  # no sync queued
    assert await atlas_threats(atlas, incident["id"]) == []  # Atlas was not asked
    assert link["state"] == "not_configured" and "ATLAS_API_KEY" in link["hint"]


async def test_a_key_atlas_refuses_is_said_and_not_retried(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime
) -> None:
    halo = await make_halo(transport=switchable, atlas={"api_key": "atlas_halo_revoked-long-ago"})
    incident, link = await report_and_readiness(halo)
    assert incident["classification_source"] == "fallback"
    assert incident["fallback_reason"] == "atlas_rejected"
    assert await job_rows(halo) == []
    assert link["state"] == "rejected" and "ATLAS_API_KEY" in link["hint"]
    assert "secret" not in str(link).lower() and "revoked-long-ago" not in str(link)


async def test_a_sync_atlas_refuses_stops_promising_one(
    make_halo: HaloFactory, switchable: SwitchableAtlas, clock: FrozenClock
) -> None:
    """Stored while Atlas was down, then Atlas refuses the key: the job is dead-lettered and
    the incident no longer says it will be classified again."""
    halo = await make_halo(transport=switchable, atlas={"api_key": "atlas_halo_not-a-key"})
    switchable.mode = "down"
    async with http(halo) as client:
        created = (await client.post("/api/v1/incidents", json=GUNSHOTS)).json()
    assert created["fallback_reason"] == "atlas_unavailable"
    switchable.mode = "up"
    clock.advance(1800)  # past the retry's backoff and the client's cooldown
    assert await halo.worker.drain() == 1
    (job,) = await job_rows(halo)
    assert job["status"] == "dead" and "401" in job["last_error"]
    async with halo.db.sessions() as session:
        stored = await session.get(CrimeIncident, uuid.UUID(created["id"]))
    assert stored is not None
    assert (stored.classification_source, stored.fallback_reason) == ("fallback", "atlas_rejected")
