"""`options.store`: products' calls are kept as threats (the default); a call with store false
(the operator console's try box) is answered and leaves nothing anyone could see."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from tests.atlas.conftest import product_headers

from safewatch.atlas.models import Threat
from safewatch.core.service import ServiceRuntime

HALO = product_headers("halo")
STOCKHOLM = {"latitude": 59.3293, "longitude": 18.0686}
CLASSIFY = "/api/v1/classify/threat"


def body(text: str, **options: object) -> dict[str, object]:
    return {"type": "text", "data": text, "context": STOCKHOLM, "options": options}


async def stored_ids(atlas: ServiceRuntime) -> set[uuid.UUID]:
    async with atlas.db.sessions() as session:
        return set(await session.scalars(select(Threat.id)))


async def live_counts(client: httpx.AsyncClient) -> dict[str, int]:
    place = {"lat": STOCKHOLM["latitude"], "lon": STOCKHOLM["longitude"], "radius_km": 5}
    response = await client.get("/api/v1/intelligence/patterns", params=place, headers=HALO)
    assert response.status_code == 200, response.text
    counts: dict[str, int] = response.json()["live_counts"]
    return counts


async def test_the_default_stores_a_threat(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    answer = (await client.post(CLASSIFY, json=body("Gunshots heard"), headers=HALO)).json()
    assert await stored_ids(atlas) == {uuid.UUID(answer["threat_id"])}
    read = await client.get(f"/api/v1/threats/{answer['threat_id']}", headers=HALO)
    assert read.status_code == 200
    assert (await live_counts(client)).get("weapons") == 1


async def test_store_false_answers_and_keeps_nothing(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    kept = await client.post(CLASSIFY, json=body("Shots fired outside the bar"), headers=HALO)
    kept_id = kept.json()["threat_id"]
    before, counts_before = await stored_ids(atlas), await live_counts(client)

    trial = body("Gunshots heard", store=False, include_nearby_patterns=True)
    response = await client.post(CLASSIFY, json=trial, headers=HALO)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert "threat_id" in answer and answer["threat_id"] is None
    assert answer["classification"]["threat_category"] == "weapons"
    assert answer["model_version"]
    # Nearby activity and correlations are still answered, from the stored threats only.
    assert [c["threat_id"] for c in answer["correlations"]] == [kept_id]
    weapons = [p for p in answer["nearby_patterns"] if p["threat_category"] == "weapons"]
    assert [p["count"] for p in weapons] == [1]

    assert await stored_ids(atlas) == before
    assert await live_counts(client) == counts_before
    # A later stored threat nearby correlates with the kept one only.
    later = body("Gunshots heard again", include_nearby_patterns=True)
    related = (await client.post(CLASSIFY, json=later, headers=HALO)).json()["correlations"]
    assert [c["threat_id"] for c in related] == [kept_id]


async def test_store_false_remembers_no_idempotency_key(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    headers = {**HALO, "Idempotency-Key": "try-1"}
    for text in ("Fight outside bar", "Something else"):  # another text: no 409
        response = await client.post(CLASSIFY, json=body(text, store=False), headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["threat_id"] is None
    assert await stored_ids(atlas) == set()
    # The key is still free for a stored call, which then keeps it as always.
    stored = await client.post(CLASSIFY, json=body("Fight outside bar"), headers=headers)
    again = await client.post(CLASSIFY, json=body("Fight outside bar"), headers=headers)
    assert stored.json()["threat_id"] == again.json()["threat_id"] is not None
    assert await stored_ids(atlas) == {uuid.UUID(stored.json()["threat_id"])}


async def test_a_batch_stores_only_the_items_that_ask(
    client: httpx.AsyncClient, atlas: ServiceRuntime
) -> None:
    items = [body("Gunshots heard", store=False), body("Brand i lägenhet")]
    response = await client.post("/api/v1/classify/threats", json={"items": items}, headers=HALO)
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["threat_id"] is None and first["classification"]["threat_category"] == "weapons"
    assert await stored_ids(atlas) == {uuid.UUID(second["threat_id"])}


async def test_the_schema_says_what_store_false_means(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    store = schemas["ClassifyOptions"]["properties"]["store"]
    assert store["default"] is True and "keeps nothing" in store["description"]
    threat_id = schemas["ThreatOut"]["properties"]["threat_id"]
    assert {"type": "null"} in threat_id["anyOf"] and "null" in threat_id["description"]
