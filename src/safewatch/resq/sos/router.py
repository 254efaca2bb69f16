"""POST /api/sos/: a student asks for help at the beacon their phone hears (auth: student)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from safewatch.core.auth import Principal
from safewatch.resq.deps import Ctx, Work, role
from safewatch.resq.sos.schemas import SosIn, SosOut
from safewatch.resq.sos.service import sos_at_beacon

router = APIRouter(prefix="/api/sos", tags=["student app"])


@router.post(
    "/",
    response_model=SosOut,
    status_code=201,
    summary="SOS at a beacon: opens (201) or joins (200) its incident (auth: student)",
    responses={200: {"model": SosOut, "description": "Joined the beacon's open incident"}},
)
async def sos(
    body: SosIn,
    response: Response,
    ctx: Ctx,
    uow: Work,
    user: Principal = role("student"),
) -> SosOut:
    answer = await sos_at_beacon(
        uow,
        user,
        beacon_id=body.beacon_id,
        text=body.text.strip(),
        campus=ctx.campus,
        settings=ctx.settings,
    )
    response.status_code = 201 if answer.status == "incident_created" else 200
    return answer
