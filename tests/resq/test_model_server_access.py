"""Optional model-server token and the per-source rate limit on /api/ai/*."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.resq.conftest import ClientWith

BODY = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}


@pytest.fixture
async def guarded(client_with: ClientWith) -> AsyncIterator[httpx.AsyncClient]:
    async with client_with(ai_token="s3cret-model-token") as client:
        yield client


@pytest.mark.parametrize("header", [None, "Bearer wrong", "s3cret-model-token", "Basic abc"])
async def test_token_required_when_configured(
    guarded: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await guarded.post("/api/ai/violence-detected/", json=BODY, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Send Authorization: Bearer <RESQ_AI_TOKEN>"}


async def test_right_token_is_accepted(guarded: httpx.AsyncClient) -> None:
    response = await guarded.post(
        "/api/ai/violence-detected/",
        json=BODY,
        headers={"Authorization": "Bearer s3cret-model-token"},
    )
    assert response.status_code == 201


async def test_open_when_no_token_is_configured(client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/ai/violence-detected/", json=BODY)).status_code == 201


async def test_rate_limit_answers_429_with_retry_after(client_with: ClientWith) -> None:
    async with client_with(ai_rate_limit="3/minute") as client:
        statuses = [
            (await client.post("/api/ai/scream-detected/", json=BODY)).status_code for _ in range(3)
        ]
        limited = await client.post("/api/ai/scream-detected/", json=BODY)
        assert statuses == [201, 200, 200]
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "limit 3/minute" in limited.json()["error"]
