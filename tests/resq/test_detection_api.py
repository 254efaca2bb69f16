"""The seed's detection endpoints: every response shape and status, and bad input."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from safewatch.core.service import ServiceRuntime
from safewatch.resq.models import AIEvent, Conversation, GuardAlert, Incident, IncidentSignal

VIOLENCE = "/api/ai/violence-detected/"
SCREAM = "/api/ai/scream-detected/"
LEGACY = "/api/ai/ai-detection/"


async def count(runtime: ServiceRuntime, model: type) -> int:
    async with runtime.db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_seed_test_1_violence_creates_critical_incident(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    response = await client.post(
        VIOLENCE,
        json={
            "beacon_id": "safe:uuid:403:403",
            "confidence_score": 0.92,
            "description": "Fight detected",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "incident_created"
    assert uuid.UUID(body["incident_id"])
    assert isinstance(body["ai_event_id"], int) and isinstance(body["signal_id"], int)
    assert body["confidence_score"] == 0.92
    assert body["beacon_location"] == "Library 3F Entrance"
    assert body["incident_status"] == "CREATED"
    assert body["incident_priority"] == "Critical"
    assert await count(resq, Conversation) == 1
    assert await count(resq, GuardAlert) == 3


async def test_seed_test_2_scream_creates_high_incident(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SCREAM,
        json={
            "beacon_id": "safe:uuid:402:402",
            "confidence_score": 0.88,
            "description": "Screaming detected",
        },
    )
    assert response.status_code == 201
    assert response.json()["incident_priority"] == "High"
    assert response.json()["beacon_location"] == "Library 3F Study Area"


async def test_seed_test_3_below_threshold_is_logged_only(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    response = await client.post(
        VIOLENCE,
        json={
            "beacon_id": "safe:uuid:403:403",
            "confidence_score": 0.65,
            "description": "Possible fight",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "logged_only"
    assert body["message"] == "Confidence 0.65 below threshold 0.75"
    assert isinstance(body["ai_event_id"], int)
    assert await count(resq, Incident) == 0
    async with resq.db.transaction() as session:
        event = await session.get(AIEvent, body["ai_event_id"])
    assert event is not None and event.outcome == "logged_only"


async def test_scream_threshold_is_080(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SCREAM,
        json={
            "beacon_id": "safe:uuid:402:402",
            "confidence_score": 0.79,
            "description": "Cheering?",
        },
    )
    assert response.json()["message"] == "Confidence 0.79 below threshold 0.80"
    at_threshold = await client.post(
        SCREAM,
        json={"beacon_id": "safe:uuid:402:402", "confidence_score": 0.8, "description": "Scream"},
    )
    assert at_threshold.status_code == 201


async def test_second_detection_joins_without_realerting(
    client: httpx.AsyncClient, resq: ServiceRuntime, notifier: object
) -> None:
    first = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:403:403", "confidence_score": 0.92, "description": "Fight"},
    )
    second = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:403:403", "confidence_score": 0.88, "description": "Still"},
    )
    assert second.status_code == 200
    assert second.json()["status"] == "signal_added_to_existing"
    assert second.json()["incident_id"] == first.json()["incident_id"]
    assert second.json()["signal_id"] != first.json()["signal_id"]
    assert await count(resq, GuardAlert) == 3
    assert await resq.worker.drain() == 3  # three pushes, none for the join
    assert len(notifier.sent) == 3  # type: ignore[attr-defined]


async def test_violence_escalates_scream_incident_and_renotifies_once(
    client: httpx.AsyncClient, resq: ServiceRuntime, notifier: object
) -> None:
    scream = await client.post(
        SCREAM,
        json={"beacon_id": "safe:uuid:402:402", "confidence_score": 0.9, "description": "Scream"},
    )
    await resq.worker.drain()
    violence = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:402:402", "confidence_score": 0.9, "description": "Fight"},
    )
    again = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:402:402", "confidence_score": 0.95, "description": "Fight"},
    )
    assert violence.json()["incident_id"] == scream.json()["incident_id"]
    assert violence.json()["incident_priority"] == "Critical"
    assert again.json()["incident_priority"] == "Critical"
    assert await resq.worker.drain() == 3  # one re-notification per alerted guard, once
    titles = [m.title for m in notifier.sent]  # type: ignore[attr-defined]
    assert titles.count("Escalated: Library 3F Study Area") == 3


async def test_legacy_endpoint_accepts_any_case_and_optional_description(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        LEGACY,
        json={"beacon_id": "safe:uuid:401:401", "confidence_score": 0.9, "event_type": "SCREAM"},
    )
    assert response.status_code == 201
    assert response.json()["incident_priority"] == "High"
    low = await client.post(
        LEGACY,
        json={"beacon_id": "safe:uuid:401:401", "confidence_score": 0.7, "event_type": "Violence"},
    )
    assert low.json()["message"] == "Confidence 0.70 below threshold 0.75"


async def test_unknown_or_inactive_beacon_is_404_in_seed_shape(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    response = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:999:999", "confidence_score": 0.9, "description": "x"},
    )
    assert response.status_code == 404
    assert response.json() == {"error": "Beacon safe:uuid:999:999 not found or inactive"}
    assert await count(resq, AIEvent) == 0


BAD_BODIES = [
    (
        {"beacon_id": "safe:uuid:403:403", "confidence_score": 92, "description": "x"},
        "confidence_score must be between 0 and 1, e.g. 0.92",
    ),
    (
        {"beacon_id": "safe:uuid:403:403", "confidence_score": -0.1, "description": "x"},
        "confidence_score must be between 0 and 1, e.g. 0.92",
    ),
    (
        {"beacon_id": "safe:uuid:403:403", "confidence_score": "0.9", "description": "x"},
        "confidence_score must be a number between 0 and 1, e.g. 0.92",
    ),
    (
        {"beacon_id": "safe:uuid:403:403", "confidence_score": False, "description": "x"},
        "confidence_score must be a number between 0 and 1, e.g. 0.92",
    ),
    (
        {"beacon_id": "safe:uuid:403:403", "confidence_score": None, "description": "x"},
        "confidence_score must be a number between 0 and 1, e.g. 0.92",
    ),
    (
        {"beacon_id": "safe:uuid:403:403", "description": "x"},
        "confidence_score must be a number between 0 and 1, e.g. 0.92",
    ),
    ({"confidence_score": 0.9, "description": "x"}, "beacon_id is required"),
    ({"beacon_id": 403, "confidence_score": 0.9, "description": "x"}, "beacon_id is required"),
    ({"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9}, "description is required"),
    (
        {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "  "},
        "description is required",
    ),
    ([1, 2, 3], "Request body must be a JSON object"),
    ("fight", "Request body must be a JSON object"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
async def test_bad_input_is_400_with_a_message_saying_what_to_send(
    client: httpx.AsyncClient, resq: ServiceRuntime, body: object, message: str
) -> None:
    response = await client.post(VIOLENCE, json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert await count(resq, AIEvent) == 0


@pytest.mark.parametrize("raw", [b"{bad json", b"", b"NaN", b'{"confidence_score": NaN}'])
async def test_malformed_json_is_400(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(
        VIOLENCE, content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "error" in response.json()


async def test_legacy_unknown_event_type_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        LEGACY,
        json={"beacon_id": "safe:uuid:401:401", "confidence_score": 0.9, "event_type": "fire"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": 'event_type must be "violence" or "scream"'}


async def test_huge_body_is_413_and_nothing_stored(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    response = await client.post(
        VIOLENCE,
        json={
            "beacon_id": "safe:uuid:403:403",
            "confidence_score": 0.9,
            "description": "x" * 100_000,
        },
    )
    assert response.status_code == 413
    assert await count(resq, AIEvent) == 0


async def test_overlong_description_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        VIOLENCE,
        json={"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "x" * 2001},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("description is too long")


async def test_every_detection_is_stored_with_its_outcome(
    client: httpx.AsyncClient, resq: ServiceRuntime
) -> None:
    for confidence in (0.5, 0.9, 0.95):
        await client.post(
            VIOLENCE,
            json={
                "beacon_id": "safe:uuid:101:101",
                "confidence_score": confidence,
                "description": "cam 3",
            },
        )
    async with resq.db.transaction() as session:
        outcomes = (
            (await session.execute(select(AIEvent.outcome).order_by(AIEvent.id))).scalars().all()
        )
    assert outcomes == ["logged_only", "incident_created", "signal_added_to_existing"]
    assert await count(resq, IncidentSignal) == 2


async def test_beacons_lists_active_beacons(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/beacons/")
    assert response.status_code == 200
    beacons = {b["beacon_id"]: b for b in response.json()}
    assert beacons["safe:uuid:403:403"] == {
        "beacon_id": "safe:uuid:403:403",
        "location_name": "Library 3F Entrance",
        "building": "Library",
        "floor": 3,
        "latitude": 59.34961,
        "longitude": 18.07062,
    }
    assert len(beacons) >= 12
