"""What a signed-in user does to an incident through the API: check they may (an incident they
may not see is 404, as is one assigned to another guard), make the move, answer the detail."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.core.unit_of_work import UnitOfWork
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


async def arrive(uow: UnitOfWork, user: Principal, incident_id: uuid.UUID) -> IncidentDetail:
    session = uow.session
    await repo.visible_incident(session, user, incident_id)
    guard_id = await _assigned_guard(session, user, incident_id)
    await lifecycle.mark_arrived(uow, incident_id, guard_id=guard_id, actor=user.username)
    return await incident_detail(session, user, incident_id)


async def resolve(
    uow: UnitOfWork, user: Principal, incident_id: uuid.UUID, body: Resolution
) -> IncidentDetail:
    session = uow.session
    await repo.visible_incident(session, user, incident_id)
    if user.role == "guard":
        await _assigned_guard(session, user, incident_id)
    await lifecycle.resolve(
        uow, incident_id, code=body.resolution_code, notes=body.notes, actor=user.username
    )
    return await incident_detail(session, user, incident_id)


async def cancel(
    uow: UnitOfWork, user: Principal, incident_id: uuid.UUID, body: Cancellation
) -> IncidentDetail:
    session = uow.session
    await repo.visible_incident(session, user, incident_id)
    await lifecycle.cancel(uow, incident_id, reason=body.reason, actor=user.username)
    return await incident_detail(session, user, incident_id)
