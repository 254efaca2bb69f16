"""Who may call Atlas: the key matrix, stored keys, revocation and per-product rate limits."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from tests.atlas.conftest import KEYS, product_headers, started

from safewatch.atlas.app import build_atlas
from safewatch.atlas.models import ApiKey
from safewatch.atlas.products.keys import create_key, revoke_key
from safewatch.atlas.settings import AtlasSettings
from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime

BODY = {"type": "text", "data": "Fight outside bar", "context": {"latitude": 59.33}}


async def classify(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/api/v1/classify/threat", json=BODY, headers=headers)


@pytest.mark.parametrize("product", sorted(KEYS))
async def test_each_product_calls_with_its_own_key(client: httpx.AsyncClient, product: str) -> None:
    response = await classify(client, product_headers(product))
    assert response.status_code == 200, response.text
    assert response.json()["source_product"] == product


async def test_missing_and_wrong_keys_are_401_another_products_key_403(
    client: httpx.AsyncClient,
) -> None:
    missing = await classify(client, {"X-Product": "halo"})
    assert missing.status_code == 401
    assert "X-API-Key" in missing.json()["error"]["message"]
    wrong = await classify(client, product_headers("halo", key="not-a-key"))
    assert wrong.status_code == 401
    borrowed = await classify(client, {"X-API-Key": KEYS["halo"], "X-Product": "frontline"})
    assert borrowed.status_code == 403
    # Both headers are the product's credentials (two security schemes in OpenAPI).
    no_product = await classify(client, {"X-API-Key": KEYS["halo"]})
    assert no_product.status_code == 401
    assert "X-Product" in no_product.json()["error"]["message"]


async def test_every_route_but_health_needs_a_key(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    open_paths = {"/healthz", "/readyz", "/metrics"}
    checked = 0
    for path, operations in paths.items():
        if path in open_paths:
            continue
        for method in operations:
            url = path.replace("{threat_id}", "00000000-0000-0000-0000-000000000000")
            response = await client.request(method.upper(), url, json={})
            assert response.status_code == 401, f"{method} {path}: {response.status_code}"
            checked += 1
    assert checked >= 5


async def test_stored_keys_work_until_revoked(
    atlas: ServiceRuntime, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    async with atlas.db.transaction() as session:
        key, key_id = await create_key(session, "sait", label="ops", now=clock.now())
    async with atlas.db.sessions() as session:
        stored = (await session.scalars(select(ApiKey))).one()
    assert key.secret not in (stored.key_hash, stored.prefix), "the key itself is never stored"
    assert (await classify(client, product_headers("sait", key.secret))).status_code == 200
    assert (await classify(client, product_headers("halo", key.secret))).status_code == 403
    async with atlas.db.transaction() as session:
        assert not await revoke_key(session, "halo", key_id, now=clock.now())
        assert await revoke_key(session, "sait", key_id, now=clock.now())
    assert (await classify(client, product_headers("sait", key.secret))).status_code == 401


async def test_rate_limit_is_per_product_with_retry_after(
    atlas_settings: AtlasSettings, clock: FrozenClock
) -> None:
    settings = AtlasSettings.model_validate(
        {**atlas_settings.model_dump(), "rate_limit": "3/minute"}
    )
    runtime = await started(build_atlas(settings, clock=clock))
    try:
        transport = httpx.ASGITransport(app=runtime.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://atlas") as client:
            codes = [
                (await classify(client, product_headers("halo"))).status_code for _ in range(4)
            ]
            assert codes == [200, 200, 200, 429]
            limited = await classify(client, product_headers("halo"))
            assert int(limited.headers["Retry-After"]) >= 1
            assert (await classify(client, product_headers("frontline"))).status_code == 200
    finally:
        await runtime.stop()
