"""A declined or unreachable alert passes the incident on at once to the next nearest guard,
instead of waiting out the acknowledgement timeout; with no on-duty guard left, to dispatch."""

from __future__ import annotations

import uuid
from typing import NamedTuple

from sqlalchemy import select

from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork
from safewatch.resq.alerts.responses import decline_alert, expire_unreachable
from safewatch.resq.alerts.service import alert_next_guards
from safewatch.resq.beacons.campus import CampusCache, CampusSnapshot
from safewatch.resq.dispatch.escalation import dispatch_needed
from safewatch.resq.incidents.constants import CREATED
from safewatch.resq.incidents.timeline import record
from safewatch.resq.models import Incident
from safewatch.resq.notify.jobs import PassOver


class PassedOn(NamedTuple):
    incident_id: uuid.UUID
    alert_ids: list[int]  # the new alerts; none when the incident went to dispatch


async def decline(
    uow: UnitOfWork,
    alert_id: int,
    *,
    guard_id: int,
    actor: str,
    campus: CampusSnapshot,
    floor_penalty_m: float,
) -> PassedOn:
    """Decline and pass the incident on at once to the next nearest guard."""
    incident_id = await decline_alert(uow, alert_id, guard_id=guard_id, actor=actor)
    passed_to = await pass_on(
        uow, incident_id, alert_id, campus=campus, floor_penalty_m=floor_penalty_m
    )
    return PassedOn(incident_id, passed_to)


async def pass_over_unreachable(
    uow: UnitOfWork, alert_id: int, *, why: str, campus: CampusSnapshot, floor_penalty_m: float
) -> list[int]:
    """No phone of the guard took the alert (every device gone or refused): pass the incident
    on as a decline does, once however often the push job retries. New alert ids."""
    incident_id = await expire_unreachable(uow, alert_id, why=why)
    if incident_id is None:
        return []  # accepted, declined or passed on meanwhile
    return await pass_on(uow, incident_id, alert_id, campus=campus, floor_penalty_m=floor_penalty_m)


async def pass_on(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    alert_id: int,
    *,
    campus: CampusSnapshot,
    floor_penalty_m: float,
) -> list[int]:
    """Alert the next nearest guard in place of the one with `alert_id`, or the dispatchers
    when no on-duty guard is left; new alert ids."""
    status, beacon_id = (
        await uow.session.execute(
            select(Incident.status, Incident.beacon_id).where(Incident.id == incident_id)
        )
    ).one()
    if status != CREATED:
        return []
    passed_to = await alert_next_guards(
        uow, incident_id, campus, beacon_id, limit=1, floor_penalty_m=floor_penalty_m
    )
    if not passed_to:
        await dispatch_needed(uow, incident_id, reason="no more on-duty guards to alert")
        return []
    await record(
        uow.session,
        incident_id,
        "guards_alerted",
        actor="system",
        now=uow.now,
        alert_ids=passed_to,
        instead_of=alert_id,
    )
    return passed_to


def pass_over_in_own_transaction(
    units: UnitsOfWork, campus: CampusCache, floor_penalty_m: float
) -> PassOver:
    """What the push job calls for a guard no phone reaches (`notify` knows nothing of
    dispatch: app.py hands it this)."""

    async def pass_over(alert_id: int, why: str) -> None:
        async with units.begin() as uow:
            await pass_over_unreachable(
                uow,
                alert_id,
                why=why,
                campus=await campus.snapshot(uow.session),
                floor_penalty_m=floor_penalty_m,
            )

    return pass_over
