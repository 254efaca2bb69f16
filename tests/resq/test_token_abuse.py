"""Forged, foreign and stale tokens are refused with 401 on the API and 4401 on /ws."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import httpx
import jwt
import pytest

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.settings import ResqSettings

Headers = Callable[[str], dict[str, str]]
ROUTE = "/api/alerts/"  # any guard route


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(headers: dict[str, str]) -> dict[str, object]:
    token = headers["Authorization"].removeprefix("Bearer ")
    return dict(jwt.decode(token, options={"verify_signature": False}))


@pytest.fixture
def guard(signed_in: Headers) -> dict[str, str]:
    return signed_in("guard3")


async def test_alg_none_is_refused(client: httpx.AsyncClient, guard: dict[str, str]) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims_of(guard))}."
    response = await client.get(ROUTE, headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


async def test_a_token_signed_with_another_key_is_refused(
    client: httpx.AsyncClient, guard: dict[str, str]
) -> None:
    forged = jwt.encode(claims_of(guard), "another-secret-of-at-least-32-chars!!", "HS256")
    response = await client.get(ROUTE, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_a_token_for_another_service_is_refused(
    client: httpx.AsyncClient, guard: dict[str, str], resq_settings: ResqSettings
) -> None:
    # ResQ's own signing secret, but Halo's issuer and audience: a token meant for Halo.
    secret = (resq_settings.data_dir / "resq-jwt.secret").read_text()
    own = jwt.encode(claims_of(guard), secret, "HS256")
    assert (await client.get(ROUTE, headers={"Authorization": f"Bearer {own}"})).status_code == 200
    foreign = {**claims_of(guard), "iss": "safewatch-halo", "aud": "safewatch-halo"}
    token = jwt.encode(foreign, secret, "HS256")
    response = await client.get(ROUTE, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_expiry_is_exact_to_the_second(
    client: httpx.AsyncClient, guard: dict[str, str], resq: ServiceRuntime, clock: FrozenClock
) -> None:
    ttl = resq.app.state.resq.tokens.ttl
    clock.advance(seconds=(ttl - timedelta(seconds=1)).total_seconds())
    assert (await client.get(ROUTE, headers=guard)).status_code == 200
    clock.advance(seconds=2)  # one second past expiry
    expired = await client.get(ROUTE, headers=guard)
    assert expired.status_code == 401
    assert "sign in again" in expired.json()["error"]["message"]
