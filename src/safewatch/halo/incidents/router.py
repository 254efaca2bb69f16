"""Incidents over HTTP: report, list, read, validate."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from safewatch.contracts.taxonomy import CATEGORIES, CATEGORY_SCHEMA
from safewatch.core.clock import as_utc
from safewatch.core.errors import AppError, NotFound
from safewatch.core.requests import IsoDateTime
from safewatch.halo.deps import Ctx, MaybeUser, Validator, Work, report_rate_limit
from safewatch.halo.incidents import repository, service
from safewatch.halo.incidents.schemas import (
    IncidentCreate,
    IncidentOut,
    IncidentPage,
    IncidentPublic,
    ValidateIn,
)
from safewatch.halo.incidents.views import to_out, view
from safewatch.halo.kpis.metrics import INCIDENTS, VALIDATIONS

router = APIRouter(prefix="/api/v1/incidents", tags=["Incidents"])


@router.post(
    "",
    status_code=201,
    response_model=IncidentOut,
    summary="Report an incident (auth: public; signed-in reporters are linked to it)",
    responses={
        409: {"description": "This Idempotency-Key was sent with a different report"},
        503: {"description": "Atlas unavailable and ATLAS_FALLBACK_ENABLED=false"},
    },
    dependencies=[Depends(report_rate_limit)],
)
async def create_incident(
    body: IncidentCreate,
    user: MaybeUser,
    ctx: Ctx,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=8,
            max_length=120,
            description="Send the same key when retrying: the report is stored once.",
        ),
    ] = None,
) -> IncidentOut:
    """Classified through Atlas within `HALO_ATLAS_DEADLINE_MS` of the request's arrival; when
    Atlas does not answer in time, Halo's fallback classifier decides at once and the incident
    is classified through Atlas later (`fallback_reason: atlas_unavailable`). Without an Atlas
    key (`atlas_not_configured`) or when Atlas refuses the request (`atlas_rejected`) the
    fallback's verdict stands. Personal data never leaves Halo."""
    started = time.perf_counter()
    key = service.client_key(user, idempotency_key)
    reporter = user.username if user else None
    async with ctx.db.sessions() as session:
        earlier = await service.replay(session, key, body) if key else None
        if earlier is not None:
            return to_out(earlier, reporter)
        names = await ctx.names.get(session)
        draft = await service.prepare(
            session, body, user, names, ctx.settings, ctx.clock.now(), key
        )
    spent = time.perf_counter() - started  # e.g. queued for SQLite's one connection
    verdict = await service.classify(ctx.atlas, draft, ctx.settings, spent)
    ctx.atlas_link.saw(verdict.source, verdict.refusal)
    try:
        # Its own unit of work, not `Work`: no connection is held while Atlas is asked, and a
        # concurrent retry's IntegrityError at commit is caught here.
        async with ctx.units.begin() as uow:
            incident = await service.store(uow, draft, verdict)
    except IntegrityError:
        if key is None:
            raise
        async with ctx.db.sessions() as session:  # a concurrent retry stored it first
            earlier = await service.replay(session, key, body)
        if earlier is None:
            raise
        return to_out(earlier, reporter)
    INCIDENTS.labels(verdict.source, verdict.fallback_reason or "none").inc()
    return to_out(incident, reporter)


@router.get(
    "",
    response_model=IncidentPage,
    summary="List incidents (auth: public view for anyone; full view for your own and for "
    "validators)",
)
async def list_incidents(
    user: MaybeUser,
    ctx: Ctx,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="Near this point")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_km: Annotated[float, Query(gt=0, le=100)] = 5.0,
    since: Annotated[IsoDateTime | None, Query(description="Reported at or after")] = None,
    category: Annotated[
        str | None, Query(description="A threat category", json_schema_extra=CATEGORY_SCHEMA)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> IncidentPage:
    """Newest first. The public view rounds locations, hides the reporter and shows the
    description with names, phone numbers and e-mail addresses replaced."""
    if (lat is None) != (lon is None):
        raise AppError(
            "Send both lat and lon to search near a point", status=422, code="half_a_point"
        )
    if category is not None and category not in CATEGORIES:
        raise AppError(f"category must be one of {', '.join(CATEGORIES)}", status=422)
    near = repository.Near(lat, lon, radius_km) if lat is not None and lon is not None else None
    async with ctx.db.sessions() as session:
        rows = await repository.search(
            session,
            near=near,
            since=as_utc(since) if since else None,
            category=category,
            limit=limit + 1,
            offset=offset,
        )
    items = [view(incident, reporter, user, ctx.settings) for incident, reporter in rows[:limit]]
    more = len(rows) > limit
    return IncidentPage(items=items, count=len(items), next_offset=offset + limit if more else None)


@router.get(
    "/{incident_id}",
    response_model=IncidentOut | IncidentPublic,
    summary="Read one incident (auth: public view for anyone; full view for its reporter and "
    "validators)",
)
async def get_incident(
    incident_id: uuid.UUID,
    user: MaybeUser,
    ctx: Ctx,
) -> IncidentOut | IncidentPublic:
    async with ctx.db.sessions() as session:
        found = await repository.get_with_reporter(session, incident_id)
    if found is None:
        raise NotFound(f"No incident {incident_id}")
    return view(*found, user, ctx.settings)


@router.patch(
    "/{incident_id}/validate",
    response_model=IncidentOut,
    summary="Validate an incident's category (auth: validator); Atlas gets the feedback",
)
async def validate_incident(
    incident_id: uuid.UUID,
    validator: Validator,
    uow: Work,
    body: Annotated[ValidateIn | None, Body()] = None,
    actual_category: Annotated[
        str | None, Query(description="Or send a JSON body", json_schema_extra=CATEGORY_SCHEMA)
    ] = None,
    validated_by: Annotated[str | None, Query(max_length=120)] = None,
) -> IncidentOut:
    """`actual_category` and `validated_by` as a JSON body or as query parameters (the
    integration plan's signature). Feedback reaches Atlas through a durable job, retried until
    delivered; Atlas refusing it (4xx) dead-letters the job with the reason (`safewatch jobs`)."""
    if body is None:
        if actual_category is None:
            raise AppError(
                "Send actual_category (JSON body or query parameter)",
                status=422,
                code="missing_category",
            )
        try:
            body = ValidateIn(actual_category=actual_category, validated_by=validated_by)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from exc
    incident = await service.validate(uow, incident_id, body, validator)
    found = await repository.get_with_reporter(uow.session, incident.id)
    assert found is not None
    VALIDATIONS.labels(str(bool(incident.corrected)).lower()).inc()
    return to_out(*found)
