"""POST /api/v1/analyze/photo|video|audio: an upload passed to Atlas's media analysis."""
# No `from __future__ import annotations`: the routes are made in a loop and FastAPI must see
# their annotations evaluated, with `kind` in them.

import uuid
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse

from safewatch.atlas_client import AtlasRejectedError, AtlasUnavailableError
from safewatch.contracts.atlas import AnalysisOut, MediaType
from safewatch.core.auth import Principal
from safewatch.core.errors import AppError, NotFound
from safewatch.core.logging import get_logger
from safewatch.halo.deps import Ctx, HaloContext, MaybeUser, report_rate_limit
from safewatch.halo.incidents.service import atlas_location
from safewatch.halo.incidents.views import sees_everything
from safewatch.halo.models import CrimeIncident

router = APIRouter(prefix="/api/v1/analyze", tags=["Media analysis"])
log = get_logger(__name__)
CONTENT_KINDS: dict[MediaType, str] = {"photo": "image/", "video": "video/", "audio": "audio/"}
# Atlas refusing our key, or an Atlas without media analysis (404), is not the caller's
# problem: answer as if Atlas were away.
NOT_THE_CALLERS = (401, 403, 404)


RESPONSES = {
    404: {"description": "incident_id names no incident"},
    415: {"description": "The file's Content-Type is not image/*, video/* or audio/* as the route"},
    503: {
        "description": "Atlas unavailable (the integration plan's body), with Retry-After",
        "content": {"application/json": {"example": {"error": "Atlas unavailable", "objects": []}}},
    },
}


async def _context(
    ctx: HaloContext, incident_id: uuid.UUID | None, user: Principal | None
) -> dict[str, Any]:
    context: dict[str, Any] = {"source_product": "halo"}
    if incident_id is None:
        return context
    async with ctx.db.sessions() as session:
        incident = await session.get(CrimeIncident, incident_id)
    # Atlas's answer echoes the incident's exact location (the public view rounds it): only
    # those who see the full incident may link a file to it; to anyone else it does not exist.
    if incident is None or not sees_everything(incident, user):
        raise NotFound(f"No incident {incident_id}")
    latitude, longitude = atlas_location(
        incident.latitude, incident.longitude, ctx.settings.atlas_location_decimals
    )
    return context | {
        "incident_id": str(incident.id),
        "threat_id": str(incident.atlas_threat_id) if incident.atlas_threat_id else None,
        "incident_type": incident.incident_type,
        "category": incident.category,
        "latitude": latitude,
        "longitude": longitude,
    }


async def _read(file: UploadFile, kind: MediaType, limit: int) -> bytes:
    content_type = file.content_type or ""
    if not content_type.startswith(CONTENT_KINDS[kind]):
        raise AppError(
            f"A {kind} must be sent as {CONTENT_KINDS[kind]}*, not {content_type or 'unknown'}",
            status=415,
            code="unsupported_media_type",
        )
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise AppError(f"The file exceeds {limit} bytes", status=413, code="payload_too_large")
    if not content:
        raise AppError("The file is empty", status=422, code="bad_media")
    return content


async def analyze(
    kind: MediaType,
    file: UploadFile,
    incident_id: uuid.UUID | None,
    user: Principal | None,
    ctx: HaloContext,
) -> AnalysisOut | JSONResponse:
    content = await _read(file, kind, ctx.settings.max_media_bytes)
    context = await _context(ctx, incident_id, user)
    # The uploader's file name may carry a name ("anna_lindqvist.jpg"): Atlas gets a neutral one.
    suffix = PurePosixPath(file.filename or "").suffix[:8]
    media = (f"{kind}{suffix}", content, file.content_type or "application/octet-stream")
    try:
        # Atlas's answer, as Atlas gave it (the same model on both sides of the wire).
        return await ctx.atlas.analyze_media(media, kind, context)
    except AtlasRejectedError as exc:
        if exc.status not in NOT_THE_CALLERS:
            raise AppError(f"Atlas could not analyse it: {exc.reason}", status=422) from exc
        log.error("atlas_media_refused", status=exc.status, reason=exc.reason)
        retry_after = 60.0
    except AtlasUnavailableError as exc:
        retry_after = exc.retry_after or 5.0
    return JSONResponse(
        {"error": "Atlas unavailable", "objects": []},
        status_code=503,
        headers={"Retry-After": str(max(1, round(retry_after)))},
    )


def part_type(kind: MediaType) -> dict[str, Any]:
    """The file part's Content-Type, stated in OpenAPI (`encoding`)."""
    return {"encoding": {"file": {"contentType": f"{CONTENT_KINDS[kind]}*"}}}


ARTICLED = {"photo": "a photo", "video": "a video", "audio": "an audio clip"}


def _route(kind: MediaType) -> None:
    @router.post(
        f"/{kind}",
        response_model=AnalysisOut,
        responses=RESPONSES,  # type: ignore[arg-type]
        openapi_extra={"requestBody": {"content": {"multipart/form-data": part_type(kind)}}},
        summary=f"Analyse {ARTICLED[kind]} through Atlas (auth: public, rate limited)",
        dependencies=[Depends(report_rate_limit)],
        name=f"analyze_{kind}",
    )
    async def endpoint(
        file: Annotated[UploadFile, File(description=f"The {kind}")],
        user: MaybeUser,
        ctx: Ctx,
        incident_id: Annotated[
            uuid.UUID | None,
            Form(description="The incident it belongs to (its reporter or a validator only)"),
        ] = None,
    ) -> Any:
        return await analyze(kind, file, incident_id, user, ctx)


for _kind in CONTENT_KINDS:
    _route(_kind)
