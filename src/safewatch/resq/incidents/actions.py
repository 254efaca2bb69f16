"""What a signed-in user does to an incident through the API: check they may (an incident they
may not see is 404, as is one assigned to another guard), make the move, answer the detail."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.resq.guards.service import guard_for
from safewatch.resq.incidents import lifecycle
from safewatch.resq.incidents import repository as repo
from safewatch.resq.incidents.reads import incident_detail
from safewatch.resq.incidents.schemas import Cancellation, IncidentDetail, Resolution


async def _assigned_guard(session: AsyncSession, user: Principal, incident_id: uuid.UUID) -> int:
    guard = await guard_for(session, user)
    if await repo.assigned_guard_id(session, incident_id) != guard.id:
        raise NotFound(f"Incident {incident_id} not found")
    return int(guard.id)


async def arrive(
    session: AsyncSession, user: Principal, incident_id: uuid.UUID, *, now: datetime
) -> IncidentDetail:
    await repo.visible_incident(session, user, incident_id)
    guard_id = await _assigned_guard(session, user, incident_id)
    await lifecycle.mark_arrived(
        session, incident_id, guard_id=guard_id, actor=user.username, now=now
    )
    return await incident_detail(session, user, incident_id)


async def resolve(
    session: AsyncSession,
    user: Principal,
    incident_id: uuid.UUID,
    body: Resolution,
    *,
    now: datetime,
) -> IncidentDetail:
    await repo.visible_incident(session, user, incident_id)
    if user.role == "guard":
        await _assigned_guard(session, user, incident_id)
    await lifecycle.resolve(
        session,
        incident_id,
        code=body.resolution_code,
        notes=body.notes,
        actor=user.username,
        now=now,
    )
    return await incident_detail(session, user, incident_id)


async def cancel(
    session: AsyncSession,
    user: Principal,
    incident_id: uuid.UUID,
    body: Cancellation,
    *,
    now: datetime,
) -> IncidentDetail:
    await repo.visible_incident(session, user, incident_id)
    await lifecycle.cancel(session, incident_id, reason=body.reason, actor=user.username, now=now)
    return await incident_detail(session, user, incident_id)
