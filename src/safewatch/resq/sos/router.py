"""POST /api/sos/: a student asks for help at the beacon their phone hears (auth: student)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from safewatch.core.auth import Principal
from safewatch.resq.deps import ResqContext, get_context, role
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
    user: Principal = role("student"),
    ctx: ResqContext = Depends(get_context),
) -> SosOut:
    async with ctx.db.transaction() as session:
        answer = await sos_at_beacon(
            session,
            user,
            beacon_id=body.beacon_id,
            text=body.text.strip(),
            campus=ctx.campus,
            settings=ctx.settings,
            now=ctx.clock.now(),
        )
    response.status_code = 201 if answer.status == "incident_created" else 200
    return answer
