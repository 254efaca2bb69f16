"""A route's unit of work (`Work`) commits before the response is sent, jobs included."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from safewatch.core.service import ServiceRuntime
from safewatch.halo.incidents.service import ATLAS_FEEDBACK
from safewatch.halo.models import CrimeIncident, jobs
from tests.halo.conftest import STOCKHOLM, HaloFactory, bearer, http, sign_up
from tests.halo.fake_atlas import FakeAtlas


async def committed(runtime: ServiceRuntime, incident_id: uuid.UUID) -> tuple[str | None, int]:
    """What another connection sees: the validated category and the feedback jobs. On SQLite
    (one connection) an uncommitted transaction still holds it, so waiting means "not yet"."""

    async def read() -> tuple[str | None, int]:
        async with runtime.db.sessions() as session:
            incident = await session.get(CrimeIncident, incident_id)
            kinds = list(await session.scalars(select(jobs.c.kind)))
        assert incident is not None
        return incident.validated_category, kinds.count(ATLAS_FEEDBACK)

    try:
        return await asyncio.wait_for(read(), 5)
    except TimeoutError:
        return None, 0


async def test_a_route_commits_before_its_response_is_sent(
    make_halo: HaloFactory, fake: tuple[FakeAtlas, str]
) -> None:
    halo = await make_halo(fake[1])
    vera = await sign_up(halo, "vera", "Vera Validator", "validator")
    async with http(halo) as client:
        created = await client.post("/api/v1/incidents", json={"description": "Fight", **STOCKHOLM})
    incident_id = uuid.UUID(created.json()["id"])
    seen_at_start: list[tuple[str | None, int]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def checked_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen_at_start.append(await committed(halo, incident_id))
            await send(message)

        await halo.app(scope, receive, checked_send)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://halo") as client:
        response = await client.patch(
            f"/api/v1/incidents/{incident_id}/validate",
            json={"actual_category": "violence"},
            headers=bearer(vera),
        )
    assert response.status_code == 200, response.text
    assert seen_at_start == [("violence", 1)]
