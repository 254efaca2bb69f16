"""Incidents as the apps and the dispatch console see them (auth: signed in; only incidents the
caller is involved in exist for them, others are 404)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query

from safewatch.core.auth import Principal
from safewatch.core.requests import MAX_ROW_ID
from safewatch.resq.deps import Work, current_user, role
from safewatch.resq.incidents import actions
from safewatch.resq.incidents.reads import incident_detail, incident_page
from safewatch.resq.incidents.schemas import (
    Cancellation,
    IncidentDetail,
    IncidentPage,
    Priority,
    Resolution,
    Status,
)

router = APIRouter(prefix="/api/incidents", tags=["incidents"])
CLOSED_ALREADY: dict[int | str, dict[str, Any]] = {
    409: {"description": "The incident is already resolved or cancelled"}
}


@router.get("/", response_model=IncidentPage, summary="Incidents I may see (auth: signed in)")
async def incidents(
    uow: Work,
    status: Status | None = None,
    priority: Priority | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=MAX_ROW_ID),
    user: Principal = Depends(current_user),
) -> IncidentPage:
    return await incident_page(
        uow.session, user, status=status, priority=priority, limit=limit, offset=offset
    )


@router.get(
    "/{incident_id}/",
    response_model=IncidentDetail,
    summary="One incident with signals, alerts, assignment and "
    "timeline (auth: involved users and dispatchers)",
)
async def incident(
    incident_id: uuid.UUID, uow: Work, user: Principal = Depends(current_user)
) -> IncidentDetail:
    return await incident_detail(uow.session, user, incident_id)


@router.post(
    "/{incident_id}/arrived/",
    response_model=IncidentDetail,
    summary="I am on scene (auth: the assigned guard)",
    responses={409: {"description": "Arrival is already recorded"}},
)
async def arrived(
    incident_id: uuid.UUID, uow: Work, user: Principal = role("guard")
) -> IncidentDetail:
    return await actions.arrive(uow, user, incident_id)


@router.post(
    "/{incident_id}/resolve/",
    response_model=IncidentDetail,
    summary="Resolve with a code and notes (auth: the assigned guard or a dispatcher)",
    responses=CLOSED_ALREADY,
)
async def resolve(
    incident_id: uuid.UUID,
    body: Resolution,
    uow: Work,
    user: Principal = role("guard", "dispatcher"),
) -> IncidentDetail:
    return await actions.resolve(uow, user, incident_id, body)


@router.post(
    "/{incident_id}/cancel/",
    response_model=IncidentDetail,
    summary="Cancel, e.g. a false alarm (auth: dispatcher)",
    responses=CLOSED_ALREADY,
)
async def cancel(
    incident_id: uuid.UUID,
    body: Cancellation,
    uow: Work,
    user: Principal = role("dispatcher"),
) -> IncidentDetail:
    return await actions.cancel(uow, user, incident_id, body)
