"""A declined or unreachable alert passes the incident on at once to the next nearest guard,
instead of waiting out the acknowledgement timeout; with no on-duty guard left, to dispatch."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.resq.alerts.responses import decline_alert, expire_unreachable
from safewatch.resq.alerts.service import alert_next_guards
from safewatch.resq.beacons.campus import CampusCache, CampusSnapshot
from safewatch.resq.dispatch.escalation import dispatch_needed
from safewatch.resq.incidents.constants import CREATED
from safewatch.resq.incidents.timeline import record
from safewatch.resq.models import Incident


class PassedOn(NamedTuple):
    incident_id: uuid.UUID
    alert_ids: list[int]  # the new alerts; none when the incident went to dispatch


async def decline(
    session: AsyncSession,
    alert_id: int,
    *,
    guard_id: int,
    actor: str,
    campus: CampusSnapshot,
    floor_penalty_m: float,
    now: datetime,
) -> PassedOn:
    """Decline and pass the incident on at once to the next nearest guard."""
    incident_id = await decline_alert(session, alert_id, guard_id=guard_id, actor=actor, now=now)
    passed_to = await pass_on(
        session, incident_id, alert_id, campus=campus, floor_penalty_m=floor_penalty_m, now=now
    )
    return PassedOn(incident_id, passed_to)


async def pass_over_unreachable(
    session: AsyncSession,
    alert_id: int,
    *,
    why: str,
    campus: CampusSnapshot,
    floor_penalty_m: float,
    now: datetime,
) -> list[int]:
    """No phone of the guard took the alert (every device gone or refused): pass the incident
    on as a decline does, once however often the push job retries. New alert ids."""
    incident_id = await expire_unreachable(session, alert_id, why=why, now=now)
    if incident_id is None:
        return []  # accepted, declined or passed on meanwhile
    return await pass_on(
        session, incident_id, alert_id, campus=campus, floor_penalty_m=floor_penalty_m, now=now
    )


async def pass_on(
    session: AsyncSession,
    incident_id: uuid.UUID,
    alert_id: int,
    *,
    campus: CampusSnapshot,
    floor_penalty_m: float,
    now: datetime,
) -> list[int]:
    """Alert the next nearest guard in place of the one with `alert_id`, or the dispatchers
    when no on-duty guard is left; new alert ids."""
    status, beacon_id = (
        await session.execute(
            select(Incident.status, Incident.beacon_id).where(Incident.id == incident_id)
        )
    ).one()
    if status != CREATED:
        return []
    passed_to = await alert_next_guards(
        session, incident_id, campus, beacon_id, limit=1, floor_penalty_m=floor_penalty_m, now=now
    )
    if not passed_to:
        await dispatch_needed(
            session, incident_id, reason="no more on-duty guards to alert", now=now
        )
        return []
    await record(
        session,
        incident_id,
        "guards_alerted",
        actor="system",
        now=now,
        alert_ids=passed_to,
        instead_of=alert_id,
    )
    return passed_to


PassOver = Callable[[int, str], Awaitable[None]]


def pass_over_in_own_transaction(
    db: Database, campus: CampusCache, floor_penalty_m: float, clock: Clock
) -> PassOver:
    """What the push job calls for a guard no phone reaches (`notify` knows nothing of
    dispatch: app.py hands it this)."""

    async def pass_over(alert_id: int, why: str) -> None:
        async with db.transaction() as session:
            await pass_over_unreachable(
                session,
                alert_id,
                why=why,
                campus=await campus.snapshot(session),
                floor_penalty_m=floor_penalty_m,
                now=clock.now(),
            )

    return pass_over
