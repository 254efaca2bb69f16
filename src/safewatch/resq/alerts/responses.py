"""A guard answers an alert: accept (first one wins, by compare-and-set) or decline; a guard
no phone reaches is passed over. Each is one move of `alerts/transitions.py`."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.errors import Conflict, NotFound
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.alerts.transitions import (
    ACKNOWLEDGED,
    CLOSED,
    DECLINED,
    EXPIRED,
    SENT,
    move_alert,
    move_open_alerts,
)
from safewatch.resq.incidents.constants import ASSIGNED, CREATED
from safewatch.resq.incidents.timeline import record
from safewatch.resq.models import Guard, GuardAlert, GuardAssignment, Incident, User
from safewatch.resq.realtime.audience import alerts_closed, incident_updated

alerts = table_of(GuardAlert)
incidents = table_of(Incident)
assignments = table_of(GuardAssignment)


async def _own_alert(session: AsyncSession, alert_id: int, guard_id: int) -> uuid.UUID:
    incident_id = (
        await session.execute(
            select(alerts.c.incident_id).where(
                alerts.c.id == alert_id, alerts.c.guard_id == guard_id
            )
        )
    ).scalar_one_or_none()
    if incident_id is None:
        raise NotFound(f"Alert {alert_id} not found")
    return incident_id


async def _lock_incident(session: AsyncSession, incident_id: uuid.UUID) -> None:
    await session.execute(
        select(incidents.c.id).where(incidents.c.id == incident_id).with_for_update()
    )


async def acknowledge(uow: UnitOfWork, alert_id: int, *, guard_id: int, actor: str) -> uuid.UUID:
    """The first guard to accept gets the incident; everyone after gets 409 saying who has it.

    Both updates are compare-and-set and the incident row is always locked first (here and in
    escalation), so racing acceptances and escalations have exactly one winner, deadlock-free.
    """
    session, now = uow.session, uow.now
    incident_id = await _own_alert(session, alert_id, guard_id)
    taken = await session.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.status == CREATED)
        .values(status=ASSIGNED, updated_at=now)
        .returning(incidents.c.id)
    )
    if taken.scalar_one_or_none() is None:
        raise Conflict(await _why_not(session, incident_id), code="already_taken")
    if not await move_alert(session, alert_id, from_=SENT, to=ACKNOWLEDGED, now=now):
        raise Conflict(
            "This alert is no longer open: it was declined or passed on", code="alert_closed"
        )
    await session.execute(
        assignments.insert().values(
            incident_id=incident_id, guard_id=guard_id, alert_id=alert_id, assigned_at=now
        )
    )
    closed_ids = await move_open_alerts(session, incident_id, to=CLOSED, now=now)
    await record(
        session,
        incident_id,
        "acknowledged",
        actor=actor,
        now=now,
        alert_id=alert_id,
        closed_alert_ids=closed_ids,
    )
    await alerts_closed(uow, closed_ids, reason="taken")
    await incident_updated(uow, incident_id, change="accepted")
    return incident_id


async def _why_not(session: AsyncSession, incident_id: uuid.UUID) -> str:
    row = (
        await session.execute(
            select(incidents.c.status, User.display_name)
            .select_from(incidents)
            .outerjoin(assignments, assignments.c.incident_id == incidents.c.id)
            .outerjoin(Guard, Guard.id == assignments.c.guard_id)
            .outerjoin(User, User.id == Guard.user_id)
            .where(incidents.c.id == incident_id)
        )
    ).one()
    if row.status == ASSIGNED and row.display_name:
        return f"Incident already accepted by {row.display_name}"
    return f"Incident is {row.status.lower()}"


async def decline_alert(uow: UnitOfWork, alert_id: int, *, guard_id: int, actor: str) -> uuid.UUID:
    """The guard declines their open alert (else 409); the incident's id. Who gets the
    incident instead is dispatch's to decide (`dispatch/handover.py`).

    The incident row is locked first, as everywhere else, so two guards declining at once (or
    a decline beside an escalation) pass the incident to different guards."""
    session, now = uow.session, uow.now
    incident_id = await _own_alert(session, alert_id, guard_id)
    await _lock_incident(session, incident_id)
    if not await move_alert(session, alert_id, from_=SENT, to=DECLINED, now=now):
        raise Conflict("This alert is no longer open", code="alert_closed")
    await record(session, incident_id, "declined", actor=actor, now=now, alert_id=alert_id)
    await alerts_closed(uow, [alert_id], reason="declined")
    return incident_id


async def expire_unreachable(uow: UnitOfWork, alert_id: int, *, why: str) -> uuid.UUID | None:
    """No phone of the guard took the alert: it expires (the incident row locked first, as
    acceptance and escalation do); the incident's id, or None when the alert was accepted,
    declined or passed on meanwhile, so a retried push job passes it on once."""
    session, now = uow.session, uow.now
    incident_id = (
        await session.execute(select(alerts.c.incident_id).where(alerts.c.id == alert_id))
    ).scalar_one()
    await _lock_incident(session, incident_id)
    if not await move_alert(session, alert_id, from_=SENT, to=EXPIRED, now=now):
        return None
    await record(
        session,
        incident_id,
        "guard_unreachable",
        actor="system",
        now=now,
        reason=why,
        alert_id=alert_id,
    )
    await alerts_closed(uow, [alert_id], reason="unreachable")
    return incident_id
