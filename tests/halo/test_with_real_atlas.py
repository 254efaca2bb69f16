"""Halo against a real Atlas app: the integration plan's test, the sync after an outage, and
feedback reaching Atlas's training stats."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from safewatch.atlas.models import Threat
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.halo.models import CrimeIncident
from tests.atlas.conftest import product_headers
from tests.halo.conftest import (
    STOCKHOLM,
    HaloFactory,
    SwitchableAtlas,
    bearer,
    http,
    job_rows,
    sign_up,
)


async def atlas_threats(atlas: ServiceRuntime, incident_id: str) -> list[Threat]:
    async with atlas.db.sessions() as session:
        rows = await session.scalars(select(Threat).where(Threat.reference == incident_id))
        return list(rows)


async def test_incident_creation_with_atlas(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime
) -> None:
    halo = await make_halo(transport=switchable)
    async with http(halo) as client:
        response = await client.post(
            "/api/v1/incidents",
            json={"description": "Gunshots heard", "latitude": 59.3293, "longitude": 18.0686},
        )
    assert response.status_code == 201
    data = response.json()
    assert data["category"] == "weapons"
    assert data["severity"] == 5
    assert data["atlas_threat_id"] is not None
    assert data["classification_source"] == "atlas"
    assert data["atlas_classification"]["threat_category"] == "weapons"
    assert data["atlas_severity"] == 5 and data["atlas_last_sync"] is not None
    (threat,) = await atlas_threats(atlas, data["id"])
    assert str(threat.id) == data["atlas_threat_id"]
    assert threat.product == "halo"
    assert await job_rows(halo) == []  # nothing left to sync


async def test_down_then_back_syncs_exactly_once(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime, clock: FrozenClock
) -> None:
    halo = await make_halo(transport=switchable)
    switchable.mode = "down"
    async with http(halo) as client:
        response = await client.post(
            "/api/v1/incidents", json={"description": "Gunshots heard", **STOCKHOLM}
        )
    assert response.status_code == 201
    data = response.json()
    assert data["classification_source"] == "fallback"
    assert data["fallback_reason"] == "atlas_unavailable"
    assert data["category"] == "weapons"  # the keyword fallback knows gunshots
    assert data["atlas_threat_id"] is None
    (job,) = await job_rows(halo)
    assert job["kind"] == "halo.atlas_sync" and job["status"] == "pending"

    # Still down: the job retries later, nothing stored anywhere.
    assert await halo.worker.drain() == 1
    (job,) = await job_rows(halo)
    assert job["status"] == "pending" and job["attempts"] == 1
    assert "unreachable" in job["last_error"]
    assert await atlas_threats(atlas, data["id"]) == []

    switchable.mode = "up"
    # Past the retry's backoff and the client's cooldown, short of the hourly job purge.
    clock.advance(1800)
    assert await halo.worker.drain() == 1
    async with http(halo) as client:
        synced = (await client.get(f"/api/v1/incidents/{data['id']}")).json()
    (threat,) = await atlas_threats(atlas, data["id"])
    (job,) = await job_rows(halo)
    assert job["status"] == "done"
    assert synced["id"] == data["id"] and threat.category == "weapons"
    # The public view shows Atlas's verdict now.
    assert synced["classification_source"] == "atlas"
    assert synced["category"] == "weapons"


async def test_slow_answer_then_sync_reuses_the_stored_threat(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime, clock: FrozenClock
) -> None:
    """Atlas stored the threat but answered after Halo's deadline: the sync gets the same
    threat back (same Idempotency-Key), so Atlas holds the incident once."""
    halo = await make_halo(transport=switchable, atlas_deadline_ms=300)
    token = await sign_up(halo, "validator1", "Vera Validator", "validator")
    switchable.mode, switchable.delay = "slow", 1.0
    async with http(halo) as client:
        response = await client.post(
            "/api/v1/incidents", json={"description": "Cykelstöld vid stationen", **STOCKHOLM}
        )
    data = response.json()
    assert data["fallback_reason"] == "atlas_unavailable"
    await switchable.settled()
    (stored,) = await atlas_threats(atlas, data["id"])  # Atlas did the work anyway

    switchable.mode = "up"
    clock.advance(0.25)  # the tests' client cools down for 0.2 s
    await halo.worker.drain()
    await halo.worker.drain()  # a second run finds nothing to do
    (threat,) = await atlas_threats(atlas, data["id"])
    assert threat.id == stored.id
    async with http(halo) as client:
        full = (await client.get(f"/api/v1/incidents/{data['id']}", headers=bearer(token))).json()
    assert full["atlas_threat_id"] == str(stored.id)
    assert full["atlas_last_sync"] == clock.now().isoformat().replace("+00:00", "Z")


async def test_validation_feedback_reaches_atlas(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime
) -> None:
    halo = await make_halo(transport=switchable)
    token = await sign_up(halo, "validator1", "Vera Validator", "validator")
    async with http(halo) as client:
        created = (
            await client.post(
                "/api/v1/incidents", json={"description": "Fight outside bar", **STOCKHOLM}
            )
        ).json()
        predicted = created["category"]
        actual = "disturbance" if predicted != "disturbance" else "violence"
        response = await client.patch(
            f"/api/v1/incidents/{created['id']}/validate",
            params={"actual_category": actual, "validated_by": "law_enforcement"},
            headers=bearer(token),
        )
    assert response.status_code == 200, response.text
    assert response.json()["category"] == actual
    assert response.json()["validated_by"] == "law_enforcement"
    assert await halo.worker.drain() == 1
    (job,) = await job_rows(halo)
    assert job["kind"] == "halo.atlas_feedback" and job["status"] == "done"
    async with http(atlas) as atlas_client:
        stats = (
            await atlas_client.get("/api/v1/training/stats", headers=product_headers("halo"))
        ).json()
    halo_stats = stats["products"]["halo"]
    assert halo_stats["feedback"] == 1 and halo_stats["corrections"] == 1
    assert halo_stats["confusion_pairs"] == [{"predicted": predicted, "actual": actual, "count": 1}]


async def test_restart_loses_nothing(
    make_halo: HaloFactory, switchable: SwitchableAtlas, atlas: ServiceRuntime
) -> None:
    first = await make_halo(transport=switchable)
    switchable.mode = "down"
    async with http(first) as client:
        ids = [
            (
                await client.post("/api/v1/incidents", json={"description": text, **STOCKHOLM})
            ).json()["id"]
            for text in ("Gunshots heard", "Brand i lägenhet", "Fight outside bar")
        ]
    await first.stop()
    switchable.mode = "up"
    second = await make_halo(transport=switchable)  # same database, a new process's runtime
    assert await second.worker.drain() == 3
    async with second.db.sessions() as session:
        synced = await session.scalar(
            select(func.count())
            .select_from(CrimeIncident)
            .where(CrimeIncident.atlas_threat_id.is_not(None))
        )
    assert synced == 3
    for incident_id in ids:
        assert len(await atlas_threats(atlas, str(uuid.UUID(incident_id)))) == 1
