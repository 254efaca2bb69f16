"""POST /api/sos/: a student asks for help at the beacon their phone hears (auth: student)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from safewatch.core.auth import Principal
from safewatch.core.errors import AppError
from safewatch.core.requests import RequestModel
from safewatch.resq.deps import ResqContext, get_context, role
from safewatch.resq.sos.service import raise_sos

router = APIRouter(prefix="/api/sos", tags=["student app"])


class SosIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    beacon_id: str = Field(min_length=1, max_length=100, examples=["safe:uuid:403:403"])
    text: str = Field(default="", max_length=500, examples=["Someone is following me"])


class SosOut(BaseModel):
    status: str
    incident_id: str
    incident_status: str
    incident_priority: str
    beacon_location: str


@router.post(
    "/",
    response_model=SosOut,
    status_code=201,
    summary="SOS at a beacon: opens (201) or joins (200) its incident (auth: student)",
    responses={200: {"model": SosOut, "description": "Joined the beacon's open incident"}},
)
async def sos(
    body: SosIn, user: Principal = role("student"), ctx: ResqContext = Depends(get_context)
) -> JSONResponse:
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        beacon = await ctx.campus.active_beacon(session, body.beacon_id)
        if beacon is None:
            raise AppError(
                f"Beacon {body.beacon_id} not found or inactive: use an id from GET /api/beacons/",
                status=422,
                code="unknown_beacon",
            )
        result = await raise_sos(
            session,
            user,
            beacon_id=body.beacon_id,
            text=body.text.strip(),
            now=now,
            window=timedelta(seconds=ctx.settings.dedup_window_seconds),
            campus=ctx.campus,
            settings=ctx.settings,
        )
    out = SosOut(
        status="incident_created" if result.created else "signal_added_to_existing",
        incident_id=str(result.incident_id),
        incident_status=result.status,
        incident_priority=result.priority,
        beacon_location=beacon.location_name,
    )
    return JSONResponse(out.model_dump(), status_code=201 if result.created else 200)
