"""Incidents as the apps and the dispatch console see them (auth: signed in; only incidents the
caller is involved in exist for them, others are 404)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.core.requests import MAX_ROW_ID, RequestModel
from safewatch.resq.deps import ResqContext, current_user, get_context, role
from safewatch.resq.guards.service import guard_for
from safewatch.resq.incidents import lifecycle
from safewatch.resq.incidents.constants import PRIORITIES
from safewatch.resq.incidents.queries import incident_detail, list_incidents, visible_incident
from safewatch.resq.models import GuardAssignment

router = APIRouter(prefix="/api/incidents", tags=["incidents"])
Status = Literal["CREATED", "ASSIGNED", "RESOLVED", "CANCELLED"]
Priority = Literal["Critical", "High", "Medium", "Low"]
ResolutionCode = Literal["handled", "false_alarm", "medical", "police", "referred", "other"]
assert set(PRIORITIES) == set(Priority.__args__)  # type: ignore[attr-defined]
CLOSED_ALREADY: dict[int | str, dict[str, Any]] = {
    409: {"description": "The incident is already resolved or cancelled"}
}


class Resolution(RequestModel):
    model_config = ConfigDict(extra="forbid")

    resolution_code: ResolutionCode
    notes: str = Field(default="", max_length=2000)


class Cancellation(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, examples=["False alarm: cheering"])


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


@router.get("/", response_model=Page, summary="Incidents I may see (auth: signed in)")
async def incidents(
    status: Status | None = None,
    priority: Priority | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_ROW_ID),
    user: Principal = Depends(current_user),
    ctx: ResqContext = Depends(get_context),
) -> Page:
    async with ctx.db.transaction() as session:
        total, items = await list_incidents(
            session, user, status=status, priority=priority, limit=limit, offset=offset
        )
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{incident_id}/",
    summary="One incident with signals, alerts, assignment and "
    "timeline (auth: involved users and dispatchers)",
)
async def incident(
    incident_id: uuid.UUID,
    user: Principal = Depends(current_user),
    ctx: ResqContext = Depends(get_context),
) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        return await incident_detail(session, user, incident_id)


async def _assigned_guard(session: AsyncSession, user: Principal, incident_id: uuid.UUID) -> int:
    guard = await guard_for(session, user)
    assigned = (
        await session.execute(
            select(GuardAssignment.guard_id).where(GuardAssignment.incident_id == incident_id)
        )
    ).scalar_one_or_none()
    if assigned != guard.id:
        raise NotFound(f"Incident {incident_id} not found")
    return int(guard.id)


@router.post(
    "/{incident_id}/arrived/",
    summary="I am on scene (auth: the assigned guard)",
    responses={409: {"description": "Arrival is already recorded"}},
)
async def arrived(
    incident_id: uuid.UUID,
    user: Principal = role("guard"),
    ctx: ResqContext = Depends(get_context),
) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        await visible_incident(session, user, incident_id)
        guard_id = await _assigned_guard(session, user, incident_id)
        await lifecycle.mark_arrived(
            session, incident_id, guard_id=guard_id, actor=user.username, now=ctx.clock.now()
        )
        return await incident_detail(session, user, incident_id)


@router.post(
    "/{incident_id}/resolve/",
    summary="Resolve with a code and notes (auth: the assigned guard or a dispatcher)",
    responses=CLOSED_ALREADY,
)
async def resolve(
    incident_id: uuid.UUID,
    body: Resolution,
    user: Principal = role("guard", "dispatcher"),
    ctx: ResqContext = Depends(get_context),
) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        await visible_incident(session, user, incident_id)
        if user.role == "guard":
            await _assigned_guard(session, user, incident_id)
        await lifecycle.resolve(
            session,
            incident_id,
            code=body.resolution_code,
            notes=body.notes,
            actor=user.username,
            now=ctx.clock.now(),
        )
        return await incident_detail(session, user, incident_id)


@router.post(
    "/{incident_id}/cancel/",
    summary="Cancel, e.g. a false alarm (auth: dispatcher)",
    responses=CLOSED_ALREADY,
)
async def cancel(
    incident_id: uuid.UUID,
    body: Cancellation,
    user: Principal = role("dispatcher"),
    ctx: ResqContext = Depends(get_context),
) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        await visible_incident(session, user, incident_id)
        await lifecycle.cancel(
            session, incident_id, reason=body.reason, actor=user.username, now=ctx.clock.now()
        )
        return await incident_detail(session, user, incident_id)
