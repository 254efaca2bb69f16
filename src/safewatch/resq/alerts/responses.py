"""A guard answers an alert: accept (first one wins, by compare-and-set) or decline."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.errors import Conflict, NotFound
from safewatch.resq.alerts.service import (
    ACKNOWLEDGED,
    CLOSED,
    DECLINED,
    EXPIRED,
    SENT,
    alert_next_guards,
)
from safewatch.resq.beacons.campus import CampusSnapshot
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


async def acknowledge(
    session: AsyncSession, alert_id: int, *, guard_id: int, actor: str, now: datetime
) -> uuid.UUID:
    """The first guard to accept gets the incident; everyone after gets 409 saying who has it.

    Both updates are compare-and-set and the incident row is always locked first (here and in
    escalation), so racing acceptances and escalations have exactly one winner, deadlock-free.
    """
    incident_id = await _own_alert(session, alert_id, guard_id)
    taken = await session.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.status == CREATED)
        .values(status=ASSIGNED, updated_at=now)
        .returning(incidents.c.id)
    )
    if taken.scalar_one_or_none() is None:
        raise Conflict(await _why_not(session, incident_id), code="already_taken")
    accepted = await session.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.status == SENT)
        .values(status=ACKNOWLEDGED, updated_at=now)
        .returning(alerts.c.id)
    )
    if accepted.scalar_one_or_none() is None:
        raise Conflict(
            "This alert is no longer open: it was declined or passed on", code="alert_closed"
        )
    await session.execute(
        assignments.insert().values(
            incident_id=incident_id, guard_id=guard_id, alert_id=alert_id, assigned_at=now
        )
    )
    closed = await session.execute(
        update(alerts)
        .where(alerts.c.incident_id == incident_id, alerts.c.status == SENT)
        .values(status=CLOSED, updated_at=now)
        .returning(alerts.c.id)
    )
    closed_ids = list(closed.scalars().all())
    await record(
        session,
        incident_id,
        "acknowledged",
        actor=actor,
        now=now,
        alert_id=alert_id,
        closed_alert_ids=closed_ids,
    )
    await alerts_closed(session, closed_ids, reason="taken")
    await incident_updated(session, incident_id, change="accepted")
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


async def decline(
    session: AsyncSession,
    alert_id: int,
    *,
    guard_id: int,
    actor: str,
    campus: CampusSnapshot,
    floor_penalty_m: float,
    now: datetime,
) -> list[int]:
    """Decline and pass the incident on at once to the next nearest guard; new alert ids.

    The incident row is locked first, as everywhere else, so two guards declining at once (or
    a decline beside an escalation) pass the incident to different guards."""
    incident_id = await _own_alert(session, alert_id, guard_id)
    await _lock_incident(session, incident_id)
    declined = await session.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.status == SENT)
        .values(status=DECLINED, updated_at=now)
        .returning(alerts.c.id)
    )
    if declined.scalar_one_or_none() is None:
        raise Conflict("This alert is no longer open", code="alert_closed")
    await record(session, incident_id, "declined", actor=actor, now=now, alert_id=alert_id)
    await alerts_closed(session, [alert_id], reason="declined")
    return await pass_on(
        session, incident_id, alert_id, campus=campus, floor_penalty_m=floor_penalty_m, now=now
    )


async def pass_over_unreachable(
    session: AsyncSession,
    alert_id: int,
    *,
    why: str,
    campus: CampusSnapshot,
    floor_penalty_m: float,
    now: datetime,
) -> list[int]:
    """No phone of the guard took the alert (every device gone or refused): pass the
    incident on at once, as a decline does, instead of waiting out the acknowledgement timeout.
    The incident row is locked first, as acceptance and escalation do, so passing over never
    races them for the next guard; the alert expires by compare-and-set, so a retried push job
    passes it on once. New alert ids."""
    incident_id = (
        await session.execute(select(alerts.c.incident_id).where(alerts.c.id == alert_id))
    ).scalar_one()
    await _lock_incident(session, incident_id)
    expired = await session.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.status == SENT)
        .values(status=EXPIRED, updated_at=now)
        .returning(alerts.c.id)
    )
    if expired.scalar_one_or_none() is None:
        return []  # accepted, declined or passed on meanwhile
    await record(
        session,
        incident_id,
        "guard_unreachable",
        actor="system",
        now=now,
        reason=why,
        alert_id=alert_id,
    )
    await alerts_closed(session, [alert_id], reason="unreachable")
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
            select(incidents.c.status, incidents.c.beacon_id).where(incidents.c.id == incident_id)
        )
    ).one()
    if status != CREATED:
        return []
    passed_to = await alert_next_guards(
        session,
        incident_id,
        campus,
        beacon_id,
        limit=1,
        floor_penalty_m=floor_penalty_m,
        now=now,
    )
    if not passed_to:
        await record(
            session,
            incident_id,
            "dispatch_needed",
            actor="system",
            now=now,
            reason="no more on-duty guards to alert",
        )
        await incident_updated(session, incident_id, change="dispatch_needed")
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
