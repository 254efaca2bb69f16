"""The 5-minute dedup window, driven by the injected clock."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from safewatch.core.clock import FrozenClock
from safewatch.core.service import ServiceRuntime
from safewatch.resq.incidents.repository import SIGNALS_SHOWN
from safewatch.resq.models import Incident
from tests.resq.conftest import ClientWith

VIOLENCE = "/api/ai/violence-detected/"


async def detect(client: httpx.AsyncClient, beacon: str = "safe:uuid:403:403") -> dict[str, str]:
    response = await client.post(
        VIOLENCE, json={"beacon_id": beacon, "confidence_score": 0.9, "description": "Fight"}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def joinable_per_beacon(runtime: ServiceRuntime) -> int:
    async with runtime.db.transaction() as session:
        rows = (
            await session.execute(
                select(Incident.beacon_id, func.count())
                .where(Incident.accepting_signals.is_(True))
                .group_by(Incident.beacon_id)
            )
        ).all()
    return max((n for _, n in rows), default=0)


@pytest.mark.parametrize(("gap", "joins"), [(0, True), (299, True), (300, True), (301, False)])
async def test_window_boundary(
    client: httpx.AsyncClient, clock: FrozenClock, gap: int, joins: bool
) -> None:
    first = await detect(client)
    clock.advance(gap)
    second = await detect(client)
    assert (second["incident_id"] == first["incident_id"]) is joins
    assert second["status"] == ("signal_added_to_existing" if joins else "incident_created")


async def test_window_slides_from_the_latest_signal(
    client: httpx.AsyncClient, clock: FrozenClock, resq: ServiceRuntime
) -> None:
    first = await detect(client)  # t = 0
    clock.advance(minutes=4, seconds=59)
    assert (await detect(client))["incident_id"] == first["incident_id"]  # t = 4:59 joins
    clock.advance(seconds=62)
    # t = 6:01: 5:01 after the first signal but 1:02 after the latest one, so it still joins
    assert (await detect(client))["incident_id"] == first["incident_id"]
    clock.advance(minutes=5, seconds=1)
    fresh = await detect(client)
    assert fresh["status"] == "incident_created"
    assert fresh["incident_id"] != first["incident_id"]
    assert await joinable_per_beacon(resq) == 1


async def test_windows_are_per_beacon(client: httpx.AsyncClient) -> None:
    a = await detect(client, "safe:uuid:403:403")
    b = await detect(client, "safe:uuid:402:402")
    assert a["incident_id"] != b["incident_id"]
    assert b["status"] == "incident_created"


async def test_a_window_setting_changes_the_window(
    client_with: ClientWith, clock: FrozenClock
) -> None:
    async with client_with(dedup_window_seconds=60) as client:
        first = await detect(client)
        clock.advance(61)
        assert (await detect(client))["incident_id"] != first["incident_id"]


async def test_a_long_running_incident_shows_its_latest_signals_and_the_count(
    client: httpx.AsyncClient, clock: FrozenClock, signed_in: Callable[[str], dict[str, str]]
) -> None:
    """A model server posting every 10 s for 20 minutes keeps one incident open; its detail
    carries the newest SIGNALS_SHOWN signals, oldest first, and how many there are in all."""
    posted = []
    for _ in range(SIGNALS_SHOWN + 70):
        posted.append(await detect(client))
        clock.advance(10)
    assert len({p["incident_id"] for p in posted}) == 1
    detail = await client.get(
        f"/api/incidents/{posted[0]['incident_id']}/", headers=signed_in("dispatcher")
    )
    body = detail.json()
    assert body["signal_count"] == SIGNALS_SHOWN + 70
    shown = [s["id"] for s in body["signals"]]
    assert shown == [int(p["signal_id"]) for p in posted[-SIGNALS_SHOWN:]]
