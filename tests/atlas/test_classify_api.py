"""Classifying through the API: answers, validation, idempotency, the threat store."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from tests.atlas.conftest import product_headers

from safewatch.atlas.models import Threat
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime

HALO = product_headers("halo")
STOCKHOLM = {"latitude": 59.3293, "longitude": 18.0686}


def body(text: str, **context: object) -> dict[str, object]:
    return {"type": "text", "data": text, "context": {**STOCKHOLM, **context}}


async def classify(client: httpx.AsyncClient, text: str, **context: object) -> dict:
    response = await client.post(
        "/api/v1/classify/threat", json=body(text, **context), headers=HALO
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_answer_has_the_plans_shape(client: httpx.AsyncClient) -> None:
    answer = await classify(client, "Fight outside bar")
    uuid.UUID(answer["threat_id"])
    c = answer["classification"]
    assert c["threat_category"] in ("violence", "disturbance")
    assert 1 <= c["severity"] <= 5 and 0 <= c["confidence"] <= 1
    assert set(c["product_mappings"]) == {"halo_incident_type", "polisen_type"}
    assert answer["model_version"] != "fallback"
    assert "correlations" not in answer, "only when asked"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Gunshots heard", "weapons"),
        ("Brand i flerbostadshus, räddningstjänsten på plats", "fire"),
        ("Man misshandlad utanför krogen", "violence"),
        ("Inbrott i villa, tjuvarna tog smycken", "burglary"),
        ("Rattfylleri på E4, föraren greps", "traffic"),
        ("Someone stole my bike from the rack outside the library", "theft"),
        ("Bedrägeri mot äldre kvinna, falsk bankman ringde", "fraud"),
    ],
)
async def test_english_and_swedish_texts(
    client: httpx.AsyncClient, text: str, category: str
) -> None:
    assert (await classify(client, text))["classification"]["threat_category"] == category


async def test_gunshots_are_severity_five(client: httpx.AsyncClient) -> None:
    c = (await classify(client, "Gunshots heard"))["classification"]
    assert (c["threat_category"], c["severity"]) == ("weapons", 5)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body("Fight", latitude=123), "latitude"),
        (body("Fight", longitude=-181), "longitude"),
        ({"type": "image", "data": "Fight"}, "type"),
        ({"type": "text", "data": 42}, "data"),
        ({"type": "text", "data": ""}, "data"),
        ({"type": "text", "data": "   "}, "data"),
        ({"type": "text"}, "data"),
        ({"type": "text", "data": "x" * 5001}, "5000"),
        (body("Fight", timestamp="yesterday"), "timestamp"),
        ({**body("Fight"), "options": {"correlation_threshold": 2}}, "correlation_threshold"),
        (body("Fight", source_product="frontline"), "source_product"),
    ],
)
async def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    client: httpx.AsyncClient, atlas: ServiceRuntime, payload: dict, field: str
) -> None:
    response = await client.post("/api/v1/classify/threat", json=payload, headers=HALO)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]
    async with atlas.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Threat)) == 0


async def test_not_json_is_a_4xx(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/classify/threat",
        content=b"{not json",
        headers={**HALO, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "JSON" in response.json()["error"]["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain"])
async def test_json_without_a_json_content_type_is_415_naming_the_header(
    client: httpx.AsyncClient, atlas: ServiceRuntime, content_type: str | None
) -> None:
    headers = {**HALO, "content-type": content_type} if content_type else HALO
    raw = json.dumps(body("Fight outside bar"))
    response = await client.post("/api/v1/classify/threat", content=raw, headers=headers)
    assert response.status_code == 415, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    said = f"Content-Type is {content_type}" if content_type else "Content-Type is missing"
    assert error["message"] == f"{said}: send Content-Type: application/json with the JSON body"
    async with atlas.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Threat)) == 0


async def test_stored_threat_is_scrubbed_and_readable_by_its_owner_only(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    answer = await classify(
        client, "Stalker keeps calling me on 070-123 45 67, mail x.y@example.se", reference="r-17"
    )
    threat_id = answer["threat_id"]
    async with atlas.db.sessions() as session:
        stored = await session.get_one(Threat, uuid.UUID(threat_id))
    assert "070" not in stored.text and "example.se" not in stored.text
    assert stored.reference == "r-17" and stored.product == "halo"
    mine = await client.get(f"/api/v1/threats/{threat_id}", headers=HALO)
    assert mine.status_code == 200
    assert mine.json()["classification"] == answer["classification"]
    theirs = await client.get(f"/api/v1/threats/{threat_id}", headers=product_headers("sait"))
    assert theirs.status_code == 404
    unknown = await client.get(f"/api/v1/threats/{uuid.uuid4()}", headers=HALO)
    assert unknown.status_code == 404


async def test_idempotency_key_returns_the_same_threat(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    headers = {**HALO, "Idempotency-Key": "report-1"}
    payload = body("Knife fight at the station")
    first = await client.post("/api/v1/classify/threat", json=payload, headers=headers)
    again = await client.post("/api/v1/classify/threat", json=payload, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["threat_id"] == again.json()["threat_id"]
    other = await client.post(
        "/api/v1/classify/threat", json=body("Something else"), headers=headers
    )
    assert other.status_code == 409
    # Another product may use the same key for its own request.
    sait = {**product_headers("sait"), "Idempotency-Key": "report-1"}
    assert (await client.post("/api/v1/classify/threat", json=payload, headers=sait)).json()[
        "threat_id"
    ] != first.json()["threat_id"]


async def test_concurrent_retries_make_one_threat(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    headers = {**HALO, "Idempotency-Key": "storm"}
    payload = body("Shots fired near the dorms")
    responses = await asyncio.gather(
        *(client.post("/api/v1/classify/threat", json=payload, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["threat_id"] for r in responses}) == 1
    async with atlas.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Threat)) == 1


async def test_batch_keeps_order_and_limits_size(client: httpx.AsyncClient) -> None:
    texts = ["Gunshots heard", "Brand i lägenhet", "Cykelstöld vid stationen"]
    response = await client.post(
        "/api/v1/classify/threats",
        json={"items": [body(t) for t in texts]},
        headers={**HALO, "Idempotency-Key": "batch-1"},
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["classification"]["threat_category"] for r in results] == ["weapons", "fire", "theft"]
    again = await client.post(
        "/api/v1/classify/threats",
        json={"items": [body(t) for t in texts]},
        headers={**HALO, "Idempotency-Key": "batch-1"},
    )
    assert [r["threat_id"] for r in again.json()["results"]] == [r["threat_id"] for r in results]
    too_many = await client.post(
        "/api/v1/classify/threats", json={"items": [body("x")] * 101}, headers=HALO
    )
    assert too_many.status_code == 422
    assert "100" in too_many.json()["error"]["message"]


async def test_correlations_find_near_threats_from_other_products(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    when = clock.now()
    first = await client.post(
        "/api/v1/classify/threat",
        json=body("Shots fired outside the bar", timestamp=when.isoformat()),
        headers=product_headers("frontline"),
    )
    far = body("Shots fired in another city", timestamp=when.isoformat())
    far["context"] |= {"latitude": 57.7089, "longitude": 11.9746}  # Gothenburg
    await client.post("/api/v1/classify/threat", json=far, headers=product_headers("sait"))
    await classify(client, "Cykelstöld", timestamp=when.isoformat())  # near, other meaning
    nearby = body("Gunshots heard", timestamp=(when + timedelta(hours=1)).isoformat())
    nearby["context"] |= {"latitude": 59.3300, "longitude": 18.0700}
    nearby["options"] = {"include_nearby_patterns": True, "correlation_threshold": 0.7}
    answer = (await client.post("/api/v1/classify/threat", json=nearby, headers=HALO)).json()
    related = {c["threat_id"]: c for c in answer["correlations"]}
    assert list(related) == [first.json()["threat_id"]]
    assert related[first.json()["threat_id"]]["source_product"] == "frontline"
    assert related[first.json()["threat_id"]]["score"] >= 0.7
    categories = {p["threat_category"]: p["count"] for p in answer["nearby_patterns"]}
    assert categories.get("weapons", 0) >= 2
