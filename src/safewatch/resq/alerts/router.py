"""The guard's alerts: list, accept, decline (auth: guard; another guard's alert is 404)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy import select, update

from safewatch.core.auth import Principal
from safewatch.core.requests import MAX_ROW_ID
from safewatch.resq.alerts.responses import acknowledge
from safewatch.resq.alerts.transitions import ACKNOWLEDGED, DECLINED
from safewatch.resq.deps import ResqContext, get_context, role
from safewatch.resq.dispatch.handover import decline
from safewatch.resq.guards.service import NO_PROFILE, guard_for
from safewatch.resq.models import Beacon, GuardAlert, Incident

router = APIRouter(prefix="/api/alerts", tags=["guard app"])
GUARD = role("guard")
AlertId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


class AlertIncident(BaseModel):
    id: str
    status: str
    priority: str
    location_name: str
    building: str
    floor: int


class AlertOut(BaseModel):
    id: int
    status: str
    priority_rank: int
    created_at: datetime
    incident: AlertIncident


class AnswerOut(BaseModel):
    alert_id: int
    incident_id: str
    status: str
    passed_to_alert_ids: list[int] = []


@router.get(
    "/",
    response_model=list[AlertOut],
    summary="My alerts, newest first (auth: guard)",
    responses=NO_PROFILE,
)
async def my_alerts(
    limit: int = Query(50, ge=1, le=100),
    user: Principal = GUARD,
    ctx: ResqContext = Depends(get_context),
) -> list[AlertOut]:
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        rows = (
            await session.execute(
                select(GuardAlert, Incident, Beacon)
                .join(Incident, Incident.id == GuardAlert.incident_id)
                .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
                .where(GuardAlert.guard_id == guard.id)
                .order_by(GuardAlert.created_at.desc(), GuardAlert.id.desc())
                .limit(limit)
            )
        ).all()
        # Listing counts as opening: the app has shown them, so no more reminder pushes.
        await session.execute(
            update(GuardAlert)
            .where(GuardAlert.guard_id == guard.id, GuardAlert.seen_at.is_(None))
            .values(seen_at=ctx.clock.now())
        )
    return [
        AlertOut(
            id=a.id,
            status=a.status,
            priority_rank=a.priority_rank,
            created_at=a.created_at,
            incident=AlertIncident(
                id=str(i.id),
                status=i.status,
                priority=i.priority,
                location_name=b.location_name,
                building=b.building,
                floor=b.floor,
            ),
        )
        for a, i, b in rows
    ]


@router.post(
    "/{alert_id}/acknowledge/",
    response_model=AnswerOut,
    summary="ACCEPT: the first guard gets the incident; later ones get 409 (auth: guard)",
    responses={
        404: {"description": "Not your alert"},
        409: {"description": "Someone else has it, or the alert closed"},
    },
)
async def acknowledge_alert(
    alert_id: AlertId, user: Principal = GUARD, ctx: ResqContext = Depends(get_context)
) -> AnswerOut:
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        incident_id = await acknowledge(
            session, alert_id, guard_id=guard.id, actor=user.username, now=ctx.clock.now()
        )
    return AnswerOut(alert_id=alert_id, incident_id=str(incident_id), status=ACKNOWLEDGED)


@router.post(
    "/{alert_id}/decline/",
    response_model=AnswerOut,
    summary="DECLINE: pass it on to the next nearest guard at once (auth: guard)",
    responses={
        404: {"description": "Not your alert"},
        409: {"description": "The alert is no longer open"},
    },
)
async def decline_alert(
    alert_id: AlertId, user: Principal = GUARD, ctx: ResqContext = Depends(get_context)
) -> AnswerOut:
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        campus = await ctx.campus.snapshot(session)
        passed = await decline(
            session,
            alert_id,
            guard_id=guard.id,
            actor=user.username,
            campus=campus,
            floor_penalty_m=ctx.settings.floor_penalty_m,
            now=ctx.clock.now(),
        )
        incident_id = (
            await session.execute(select(GuardAlert.incident_id).where(GuardAlert.id == alert_id))
        ).scalar_one()
    return AnswerOut(
        alert_id=alert_id,
        incident_id=str(incident_id),
        status=DECLINED,
        passed_to_alert_ids=passed,
    )
