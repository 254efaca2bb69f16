"""Input the schema fuzz tests found accepted (lax types), answered 500 (NUL text on
PostgreSQL) or answered outside the schema: each is now what the schema says, on both
databases."""

from __future__ import annotations

import uuid

import httpx
from tests.atlas.conftest import product_headers

HALO = product_headers("halo")
SEED_BODY = {  # what the integration plan's client sends
    "type": "text",
    "data": "Fight outside bar",
    "context": {
        "latitude": 59.3293,
        "longitude": 18.0686,
        "timestamp": "2026-11-22T19:15:00",
        "source_product": "halo",
        "incident_type": None,
    },
    "options": {"include_nearby_patterns": True, "correlation_threshold": 0.7},
}
LAX = [
    ({"latitude": "59.3293"}, "context.latitude: Input should be a valid number"),
    ({"timestamp": 1700000000}, "context.timestamp: Value error, send an ISO 8601 date-time"),
    ({"reference": "a\u0000b"}, "context.reference: Value error, remove the NUL"),
]


async def test_classify_takes_the_seed_body_and_nothing_laxer(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/v1/classify/threat", json=SEED_BODY, headers=HALO)).is_success
    for change, message in LAX:
        body = {**SEED_BODY, "context": {**SEED_BODY["context"], **change}}
        response = await client.post("/api/v1/classify/threat", json=body, headers=HALO)
        assert response.status_code == 422, change
        assert response.json()["error"]["message"].startswith(message)
    nul = await client.post(
        "/api/v1/classify/threat", json={**SEED_BODY, "data": "Fight\u0000"}, headers=HALO
    )
    assert nul.status_code == 422


async def test_a_threat_without_a_place_leaves_out_what_the_schema_lets_it(
    client: httpx.AsyncClient,
) -> None:
    body = {"items": [{"type": "text", "data": "Fight outside bar"}]}
    response = await client.post("/api/v1/classify/threats", json=body, headers=HALO)
    assert response.status_code == 200, response.text
    (threat,) = response.json()["results"]
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["ThreatOut"]
    assert {key for key in schema["required"] if key not in threat} == set()
    feedback = {
        "source_product": "halo",
        "prediction_id": str(uuid.UUID(threat["threat_id"])),
        "predicted_category": threat["classification"]["threat_category"],
        "actual_category": "violence",
        "correction_metadata": {"correction_timestamp": 0},
    }
    lax = await client.post("/api/v1/training/feedback", json=feedback, headers=HALO)
    assert lax.status_code == 422
    assert "ISO 8601" in lax.json()["error"]["message"]


async def test_a_batch_keeps_an_idempotency_key_of_any_length_allowed(
    client: httpx.AsyncClient,
) -> None:
    """Each item stores `key#index`: the longest key allowed must still fit the column."""
    body = {"items": [{"type": "text", "data": "Fight outside bar"}] * 2}
    for key, status in (("k" * 100, 200), ("k" * 101, 422)):
        headers = {**HALO, "Idempotency-Key": key}
        response = await client.post("/api/v1/classify/threats", json=body, headers=headers)
        assert response.status_code == status, response.text
