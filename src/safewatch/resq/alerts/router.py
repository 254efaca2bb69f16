"""The guard's alerts: list, accept, decline (auth: guard; another guard's alert is 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from safewatch.core.auth import Principal
from safewatch.core.requests import MAX_ROW_ID
from safewatch.resq.alerts import inbox
from safewatch.resq.alerts.responses import acknowledge
from safewatch.resq.alerts.schemas import AlertOut, AnswerOut
from safewatch.resq.alerts.transitions import ACKNOWLEDGED, DECLINED
from safewatch.resq.deps import Ctx, Work, role
from safewatch.resq.dispatch.handover import decline
from safewatch.resq.guards.service import NO_PROFILE, guard_for

router = APIRouter(prefix="/api/alerts", tags=["guard app"])
GUARD = role("guard")
AlertId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get(
    "/",
    response_model=list[AlertOut],
    summary="My alerts, newest first (auth: guard)",
    responses=NO_PROFILE,
)
async def my_alerts(
    uow: Work, limit: int = Query(50, ge=1, le=100), user: Principal = GUARD
) -> list[AlertOut]:
    guard = await guard_for(uow.session, user)
    return await inbox.my_alerts(uow.session, guard.id, limit=limit, now=uow.now)


@router.post(
    "/{alert_id}/acknowledge/",
    response_model=AnswerOut,
    summary="ACCEPT: the first guard gets the incident; later ones get 409 (auth: guard)",
    responses={
        404: {"description": "Not your alert"},
        409: {"description": "Someone else has it, or the alert closed"},
    },
)
async def acknowledge_alert(alert_id: AlertId, uow: Work, user: Principal = GUARD) -> AnswerOut:
    guard = await guard_for(uow.session, user)
    incident_id = await acknowledge(uow, alert_id, guard_id=guard.id, actor=user.username)
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
    alert_id: AlertId, ctx: Ctx, uow: Work, user: Principal = GUARD
) -> AnswerOut:
    guard = await guard_for(uow.session, user)
    passed = await decline(
        uow,
        alert_id,
        guard_id=guard.id,
        actor=user.username,
        campus=await ctx.campus.snapshot(uow.session),
        floor_penalty_m=ctx.settings.floor_penalty_m,
    )
    return AnswerOut(
        alert_id=alert_id,
        incident_id=str(passed.incident_id),
        status=DECLINED,
        passed_to_alert_ids=passed.alert_ids,
    )
