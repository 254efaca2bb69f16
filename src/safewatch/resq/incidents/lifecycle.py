"""After acceptance: the guard arrives, the incident is resolved, or a dispatcher cancels it."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from safewatch.core.db import table_of
from safewatch.core.errors import Conflict
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.alerts.transitions import CLOSED, move_open_alerts
from safewatch.resq.incidents.constants import ASSIGNED, CANCELLED, CREATED, RESOLVED
from safewatch.resq.incidents.timeline import record
from safewatch.resq.models import GuardAssignment, Incident
from safewatch.resq.realtime.audience import alerts_closed, incident_updated

incidents = table_of(Incident)
assignments = table_of(GuardAssignment)


async def mark_arrived(
    uow: UnitOfWork, incident_id: uuid.UUID, *, guard_id: int, actor: str
) -> None:
    """Only while ASSIGNED (compare-and-set on the incident row, locked first as everywhere):
    a resolved or cancelled incident never changes again."""
    session, now = uow.session, uow.now
    open_incident = await session.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.status == ASSIGNED)
        .values(updated_at=now)
        .returning(incidents.c.id)
    )
    if open_incident.scalar_one_or_none() is None:
        raise Conflict("Only an ASSIGNED incident can take an arrival", code="wrong_status")
    arrived = await session.execute(
        update(assignments)
        .where(
            assignments.c.incident_id == incident_id,
            assignments.c.guard_id == guard_id,
            assignments.c.arrived_at.is_(None),
        )
        .values(arrived_at=now)
        .returning(assignments.c.id)
    )
    if arrived.scalar_one_or_none() is None:
        raise Conflict("Arrival is already recorded for this incident", code="already_arrived")
    await record(session, incident_id, "arrived", actor=actor, now=now)
    await incident_updated(uow, incident_id, change="arrived")


async def close_incident(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    *,
    status: str,
    allowed_from: tuple[str, ...],
    actor: str,
    reason: str,
    resolution_code: str | None = None,
) -> None:
    """Resolve or cancel (compare-and-set on the current status); open alerts are closed."""
    session, now = uow.session, uow.now
    closed = await session.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.status.in_(allowed_from))
        .values(
            status=status,
            accepting_signals=False,
            closed_at=now,
            updated_at=now,
            resolution_code=resolution_code,
            resolution_notes=reason or None,
        )
        .returning(incidents.c.id)
    )
    if closed.scalar_one_or_none() is None:
        raise Conflict(
            f"Only a {' or '.join(allowed_from)} incident can become {status}", code="wrong_status"
        )
    closed_alerts = await move_open_alerts(session, incident_id, to=CLOSED, now=now)
    kind = "resolved" if status == RESOLVED else "cancelled"
    await alerts_closed(uow, closed_alerts, reason=kind)
    await incident_updated(uow, incident_id, change=kind)
    await record(
        session,
        incident_id,
        kind,
        actor=actor,
        now=now,
        reason=reason,
        resolution_code=resolution_code,
    )


async def resolve(
    uow: UnitOfWork, incident_id: uuid.UUID, *, code: str, notes: str, actor: str
) -> None:
    await close_incident(
        uow,
        incident_id,
        status=RESOLVED,
        allowed_from=(ASSIGNED,),
        actor=actor,
        reason=notes,
        resolution_code=code,
    )


async def cancel(uow: UnitOfWork, incident_id: uuid.UUID, *, reason: str, actor: str) -> None:
    await close_incident(
        uow,
        incident_id,
        status=CANCELLED,
        allowed_from=(CREATED, ASSIGNED),
        actor=actor,
        reason=reason,
        resolution_code="cancelled",
    )
