"""POST /api/ai/*: the seed's detection endpoints, in the seed's response and error shapes."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from safewatch.core.errors import (
    AppError,
    Unauthorized,
    answers,
    connection_lost,
    unread_json_body,
)
from safewatch.resq.deps import Ctx, ResqContext
from safewatch.resq.detections.schemas import (
    DetectionIn,
    DetectionOut,
    LegacyDetectionIn,
    SeedError,
    explain,
)
from safewatch.resq.detections.service import KINDS, SCREAM, VIOLENCE, Detection, process_detection


def seed_error(exc: AppError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, exc.status, headers=exc.headers)


class SeedErrorRoute(APIRoute):
    """Answer errors as the seed does: `{"error": "..."}`, 400 for bad input (a body without a
    JSON Content-Type too, where other routes answer 415)."""

    validation_status = 400  # read by core.openapi.document_route
    content_type_status = 400

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def seed_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = exc.errors()
                message = unread_json_body(request, errors) or explain(errors[0])
                return JSONResponse({"error": message}, status_code=400)
            except AppError as exc:
                return seed_error(exc)
            except HTTPException as exc:
                if exc.status_code != 400:  # e.g. too large: the envelope, as before routing
                    raise
                message = f"{exc.detail}: send a UTF-8 encoded JSON object"  # undecodable body
                return JSONResponse({"error": message}, status_code=400)
            except DBAPIError as exc:
                unavailable = connection_lost(exc)
                if unavailable is None:
                    raise
                return seed_error(unavailable)

        return seed_errors


@answers(
    {
        401: "RESQ_AI_TOKEN is set and the token is missing or wrong",
        429: "Rate limit per source (RESQ_AI_RATE_LIMIT); see Retry-After",
    }
)
async def model_server(request: Request, ctx: Ctx) -> str:
    """Auth rule: open unless RESQ_AI_TOKEN is set, then a bearer token; rate-limited per source."""
    expected = ctx.settings.ai_token
    if expected is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.encode(), expected.get_secret_value().encode()
        ):
            raise Unauthorized(
                "Send Authorization: Bearer <RESQ_AI_TOKEN>", headers={"WWW-Authenticate": "Bearer"}
            )
    source = request.client.host if request.client else "unknown"
    await ctx.ai_limit.hit(source, refusal=f"Too many detections from {source}")
    return source


router = APIRouter(prefix="/api/ai", tags=["AI detections"], route_class=SeedErrorRoute)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": DetectionOut, "description": "Signal added to an open incident, or logged only"},
    201: {"model": DetectionOut, "description": "Incident created and guards alerted"},
    400: {"model": SeedError, "description": "Bad input; the message says what to send"},
    401: {"model": SeedError, "description": "RESQ_AI_TOKEN is set and the token is wrong"},
    404: {"model": SeedError, "description": "Beacon not found or inactive"},
    413: {"description": "Body too large (in the envelope, like every route)"},
    429: {"model": SeedError, "description": "Rate limit; see Retry-After"},
    503: {"model": SeedError, "description": "Database connection lost; retry (see Retry-After)"},
}
DETECTION_ROUTE: dict[str, Any] = {
    "status_code": 201,
    "responses": RESPONSES,
    "response_model": DetectionOut,
    "response_model_exclude_unset": True,  # the seed sends only the keys of its outcome
}


async def _detect(ctx: ResqContext, response: Response, detection: Detection) -> DetectionOut:
    # Its own unit, not `Work`: a failed commit must reach SeedErrorRoute in the seed's shape.
    async with ctx.units.begin() as uow:
        answer = await process_detection(uow, detection, settings=ctx.settings, campus=ctx.campus)
    response.status_code = 201 if answer.status == "incident_created" else 200
    return answer


@router.post(
    "/violence-detected/",
    **DETECTION_ROUTE,
    summary="A model server saw violence (threshold 0.75; auth: RESQ_AI_TOKEN bearer when set)",
)
async def violence_detected(
    body: DetectionIn,
    response: Response,
    ctx: Ctx,
    source: str = Depends(model_server),
) -> DetectionOut:
    return await _detect(
        ctx,
        response,
        Detection(VIOLENCE, body.beacon_id, body.confidence_score, body.description, source),
    )


@router.post(
    "/scream-detected/",
    **DETECTION_ROUTE,
    summary="A model server heard a scream (threshold 0.80; auth: RESQ_AI_TOKEN bearer when set)",
)
async def scream_detected(
    body: DetectionIn,
    response: Response,
    ctx: Ctx,
    source: str = Depends(model_server),
) -> DetectionOut:
    return await _detect(
        ctx,
        response,
        Detection(SCREAM, body.beacon_id, body.confidence_score, body.description, source),
    )


LEGACY_SUMMARY = "Legacy: event_type violence or scream (auth: RESQ_AI_TOKEN bearer when set)"


@router.post(
    "/ai-detection/",
    **DETECTION_ROUTE,
    summary=LEGACY_SUMMARY,
)
async def ai_detection(
    body: LegacyDetectionIn,
    response: Response,
    ctx: Ctx,
    source: str = Depends(model_server),
) -> DetectionOut:
    kind = KINDS[body.event_type]
    return await _detect(
        ctx,
        response,
        Detection(kind, body.beacon_id, body.confidence_score, body.description, source),
    )


# The seed's table gives the legacy endpoint as `/ai-detection/` (its other rows leave out
# `/api`): model servers configured from it reach the same handler at both readings.
legacy_router = APIRouter(tags=["AI detections"], route_class=SeedErrorRoute)
for _path in ("/api/ai-detection/", "/ai-detection/"):
    legacy_router.add_api_route(
        _path,
        ai_detection,
        methods=["POST"],
        **DETECTION_ROUTE,
        summary=f"{LEGACY_SUMMARY}; the seed table's path",
        operation_id=f"ai_detection_{_path.strip('/').replace('/', '_').replace('-', '_')}",
    )
