"""Escalation with the injected clock, and the accept-versus-escalate race on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable

import httpx
from sqlalchemy import select

from safewatch.core.clock import FrozenClock
from safewatch.core.errors import Conflict
from safewatch.core.service import ServiceRuntime
from safewatch.resq.alerts.responses import acknowledge
from safewatch.resq.app import build_resq
from safewatch.resq.dispatch.escalation import escalate
from safewatch.resq.dispatch.handover import decline
from safewatch.resq.models import GuardAlert, IncidentEvent
from safewatch.resq.settings import ResqSettings

Headers = Callable[[str], dict[str, str]]
FIGHT = {"beacon_id": "safe:uuid:403:403", "confidence_score": 0.9, "description": "Fight"}


async def detail(client: httpx.AsyncClient, signed_in: Headers, incident_id: str) -> dict:  # type: ignore[type-arg]
    response = await client.get(f"/api/incidents/{incident_id}/", headers=signed_in("dispatcher"))
    return response.json()  # type: ignore[no-any-return]


async def test_unanswered_alerts_pass_to_the_next_guards_then_to_dispatch(
    client: httpx.AsyncClient, resq: ServiceRuntime, signed_in: Headers, clock: FrozenClock
) -> None:
    incident_id = (await client.post("/api/ai/violence-detected/", json=FIGHT)).json()[
        "incident_id"
    ]
    await resq.worker.drain()
    clock.advance(59)
    await resq.worker.drain()
    first = await detail(client, signed_in, incident_id)
    assert [a["priority_rank"] for a in first["alerts"]] == [1, 2, 3]  # not yet: 59 s

    clock.advance(1)
    await resq.worker.drain()
    second = await detail(client, signed_in, incident_id)
    assert [(a["priority_rank"], a["status"]) for a in second["alerts"]] == [
        (1, "EXPIRED"),
        (2, "EXPIRED"),
        (3, "EXPIRED"),
        (4, "SENT"),
        (5, "SENT"),
        (6, "SENT"),
    ]
    late = second["alerts"][0]["id"]
    answer = await client.post(f"/api/alerts/{late}/acknowledge/", headers=signed_in("guard3"))
    assert answer.status_code == 409

    clock.advance(60)  # round 2 unanswered; only 6 guards are on duty, so dispatch is next
    await resq.worker.drain()
    third = await detail(client, signed_in, incident_id)
    kinds = [e["kind"] for e in third["timeline"]]
    assert kinds == [
        "created",
        "guards_alerted",
        "escalated",
        "guards_alerted",
        "escalated",
        "dispatch_needed",
    ]
    assert third["status"] == "CREATED"


async def test_an_accepted_incident_does_not_escalate(
    client: httpx.AsyncClient, resq: ServiceRuntime, signed_in: Headers, clock: FrozenClock
) -> None:
    incident_id = (await client.post("/api/ai/violence-detected/", json=FIGHT)).json()[
        "incident_id"
    ]
    [alert] = (await client.get("/api/alerts/", headers=signed_in("guard3"))).json()
    clock.advance(59.9)
    await client.post(f"/api/alerts/{alert['id']}/acknowledge/", headers=signed_in("guard3"))
    clock.advance(3600)
    await resq.worker.drain()
    after = await detail(client, signed_in, incident_id)
    assert "escalated" not in [e["kind"] for e in after["timeline"]]
    assert len(after["alerts"]) == 3


async def race_accept(
    resq: ServiceRuntime, alert_id: int, guard_id: int, clock: FrozenClock
) -> str:
    try:
        async with resq.app.state.resq.units.begin() as uow:
            await acknowledge(uow, alert_id, guard_id=guard_id, actor="race")
        return "accepted"
    except Conflict:
        return "lost"


async def race_escalate(resq: ServiceRuntime, incident_id: uuid.UUID, clock: FrozenClock) -> str:
    context = resq.app.state.resq
    async with context.units.begin() as uow:
        result = await escalate(
            uow, incident_id, 1, campus=context.campus, settings=context.settings
        )
    return "lost" if result == "answered" else "escalated"


async def test_accept_and_escalate_racing_have_exactly_one_winner(
    client: httpx.AsyncClient, resq: ServiceRuntime, clock: FrozenClock
) -> None:
    """200 races: each incident's rank-1 acceptance and its escalation run concurrently."""
    outcomes: Counter[str] = Counter()
    beacons = [
        f"safe:uuid:{n}:{n}"
        for n in (101, 102, 201, 202, 401, 402, 403, 501, 502, 601, 602, 701, 702, 703)
    ]
    for race in range(200):
        clock.advance(301)  # a fresh incident each time
        created = await client.post(
            "/api/ai/violence-detected/", json={**FIGHT, "beacon_id": beacons[race % len(beacons)]}
        )
        incident_id = uuid.UUID(created.json()["incident_id"])
        async with resq.db.transaction() as session:
            alert_id, guard_id = (
                await session.execute(
                    select(GuardAlert.id, GuardAlert.guard_id).where(
                        GuardAlert.incident_id == incident_id, GuardAlert.priority_rank == 1
                    )
                )
            ).one()
        racers = [
            race_accept(resq, alert_id, guard_id, clock),
            race_escalate(resq, incident_id, clock),
        ]
        results = await asyncio.gather(*(racers if race % 2 else reversed(racers)))
        assert results.count("lost") == 1, results
        outcomes[next(r for r in results if r != "lost")] += 1
    assert sum(outcomes.values()) == 200


async def race_decline(
    resq: ServiceRuntime, alert_id: int, guard_id: int, clock: FrozenClock
) -> str:
    context = resq.app.state.resq
    try:
        async with context.units.begin() as uow:
            await decline(
                uow,
                alert_id,
                guard_id=guard_id,
                actor="race",
                campus=await context.campus.snapshot(uow.session),
                floor_penalty_m=context.settings.floor_penalty_m,
            )
        return "declined"
    except Conflict:
        return "lost"


async def test_declines_and_escalation_racing_never_alert_a_guard_twice(
    client: httpx.AsyncClient, resq: ServiceRuntime, clock: FrozenClock
) -> None:
    """100 races: ranks 1 and 2 decline (each passing the incident on) while the incident
    escalates. Each picks "the next guards"; none may pick the same one, and none may fail."""
    beacons = ["safe:uuid:101:101", "safe:uuid:403:403", "safe:uuid:602:602"]
    for race in range(100):
        clock.advance(301)
        created = await client.post(
            "/api/ai/violence-detected/", json={**FIGHT, "beacon_id": beacons[race % 3]}
        )
        incident_id = uuid.UUID(created.json()["incident_id"])
        async with resq.db.transaction() as session:
            (first, first_guard), (second, second_guard) = (
                await session.execute(
                    select(GuardAlert.id, GuardAlert.guard_id)
                    .where(GuardAlert.incident_id == incident_id, GuardAlert.priority_rank <= 2)
                    .order_by(GuardAlert.priority_rank)
                )
            ).all()
        racers = [
            race_decline(resq, first, first_guard, clock),
            race_decline(resq, second, second_guard, clock),
            race_escalate(resq, incident_id, clock),
        ]
        results = await asyncio.gather(*(racers[race % 3 :] + racers[: race % 3]))
        assert "escalated" in results, results  # a decline never stops the timer's round
        async with resq.db.transaction() as session:
            guards = (
                (
                    await session.execute(
                        select(GuardAlert.guard_id).where(GuardAlert.incident_id == incident_id)
                    )
                )
                .scalars()
                .all()
            )
        assert len(guards) == len(set(guards)), (race, results, guards)


async def test_escalation_timers_survive_a_restart(
    client: httpx.AsyncClient,
    resq: ServiceRuntime,
    resq_settings: ResqSettings,
    signed_in: Headers,
    clock: FrozenClock,
) -> None:
    incident_id = (await client.post("/api/ai/violence-detected/", json=FIGHT)).json()[
        "incident_id"
    ]
    await resq.stop()  # the process dies with the timer pending
    restarted = build_resq(resq_settings, clock=clock)
    clock.advance(61)
    assert await restarted.worker.drain() >= 1
    async with restarted.db.transaction() as session:
        kinds = (
            (
                await session.execute(
                    select(IncidentEvent.kind)
                    .where(IncidentEvent.incident_id == uuid.UUID(incident_id))
                    .order_by(IncidentEvent.id)
                )
            )
            .scalars()
            .all()
        )
    await restarted.stop()
    assert "escalated" in kinds
