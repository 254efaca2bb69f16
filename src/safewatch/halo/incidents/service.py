"""Incident use cases. Creation asks Atlas outside any transaction (never holding a database
connection while waiting on a peer), then stores the report and its sync job in one."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas_client import AtlasClient, AtlasRejectedError, AtlasUnavailableError
from safewatch.contracts.atlas import StoredThreatOut
from safewatch.contracts.fallback import classify_text
from safewatch.contracts.taxonomy import category_for_halo_type, describe
from safewatch.contracts.threats import Classification
from safewatch.core.auth import Principal
from safewatch.core.clock import as_utc
from safewatch.core.errors import AppError, Conflict, NotFound
from safewatch.core.logging import get_logger
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.halo.incidents.schemas import IncidentCreate, ValidateIn
from safewatch.halo.incidents.scrub import scrub
from safewatch.halo.models import CrimeIncident, User
from safewatch.halo.settings import HaloSettings

ATLAS_SYNC = "halo.atlas_sync"
ATLAS_FEEDBACK = "halo.atlas_feedback"
# Retried with backoff capped at 5 minutes: 50 attempts outlast a few hours of Atlas outage.
JOB_ATTEMPTS = 50
# Why a report was classified by the fallback. Only UNAVAILABLE is synced later: with no key
# or a request Atlas refused, asking again would give the same answer.
UNAVAILABLE, ROLLOUT = "atlas_unavailable", "rollout"
NOT_CONFIGURED, REJECTED = "atlas_not_configured", "atlas_rejected"
log = get_logger(__name__)
# A report may say it happened a little in the future (clock skew), not more.
FUTURE_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Draft:
    """A report ready to classify: its id, the text allowed to leave Halo, where and when."""

    id: uuid.UUID
    body: IncidentCreate
    reporter_id: int | None
    scrubbed: str
    occurred_at: datetime
    through_atlas: bool
    client_key: str | None = None


@dataclass(frozen=True)
class Verdict:
    classification: Classification
    source: str
    fallback_reason: str | None
    atlas: StoredThreatOut | None = None  # Atlas's answer
    refusal: str | None = None  # why Atlas refused the report (atlas_rejected)


def idempotency_key(incident_id: uuid.UUID) -> str:
    """One key per incident: Atlas stores it once however often Halo asks."""
    return f"halo-incident-{incident_id}"


def client_key(user: Principal | None, idempotency_key: str | None) -> str | None:
    """The app's Idempotency-Key, scoped to the reporter (anonymous reports share a scope, so
    a replay must also match the report: see `replay`)."""
    if idempotency_key is None:
        return None
    return f"{user.user_id if user else 'anonymous'}:{idempotency_key}"


async def replay(session: AsyncSession, key: str, body: IncidentCreate) -> CrimeIncident | None:
    """The incident an earlier attempt with this key stored, if any. Another report under the
    same key is a 409, never someone else's incident."""
    incident = await session.scalar(select(CrimeIncident).where(CrimeIncident.client_key == key))
    if incident is None:
        return None
    same = (incident.description, incident.latitude, incident.longitude) == (
        body.description,
        body.latitude,
        body.longitude,
    )
    if not same:
        raise Conflict("This Idempotency-Key was used for a different report; use a new key")
    return incident


def in_rollout(reporter_id: int | None, incident_id: uuid.UUID, percent: int) -> bool:
    """The canary: a stable share of reporters goes through Atlas (anonymous: per report)."""
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    key = f"user:{reporter_id}" if reporter_id is not None else f"incident:{incident_id}"
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100 < percent


async def prepare(
    session: AsyncSession,
    body: IncidentCreate,
    user: Principal | None,
    known_names: list[str],
    settings: HaloSettings,
    now: datetime,
    key: str | None = None,
) -> Draft:
    occurred_at = as_utc(body.occurred_at) if body.occurred_at else now
    if occurred_at > now + FUTURE_SLACK:
        raise AppError(
            "occurred_at is in the future; send when it happened (ISO 8601, UTC if no offset)",
            status=422,
            code="future_time",
        )
    names = list(known_names)
    if user is not None:
        reporter = await session.get(User, user.user_id)
        if reporter is not None:
            names.append(reporter.full_name)
    incident_id = uuid.uuid4()
    return Draft(
        id=incident_id,
        body=body,
        reporter_id=user.user_id if user else None,
        scrubbed=scrub(body.description, names, settings.phone_region),
        occurred_at=occurred_at,
        through_atlas=in_rollout(
            user.user_id if user else None, incident_id, settings.rollout_percent
        ),
        client_key=key,
    )


def atlas_location(latitude: float, longitude: float, decimals: int | None) -> tuple[float, float]:
    if decimals is None:
        return latitude, longitude
    return round(latitude, decimals), round(longitude, decimals)


async def ask_atlas(
    atlas: AtlasClient,
    incident: CrimeIncident | Draft,
    settings: HaloSettings,
    deadline: float | None = None,
) -> StoredThreatOut:
    """Classify through Atlas with exactly the body creation sent, so the sync job's retry under
    the same Idempotency-Key is the same request to Atlas."""
    if isinstance(incident, Draft):
        body = incident.body
        latitude, longitude, incident_type = body.latitude, body.longitude, body.incident_type
    else:
        latitude, longitude = incident.latitude, incident.longitude
        incident_type = incident.incident_type
    return await atlas.classify_incident(
        incident.scrubbed if isinstance(incident, Draft) else incident.scrubbed_description,
        atlas_location(latitude, longitude, settings.atlas_location_decimals),
        incident.occurred_at,
        incident_type,
        idempotency_key=idempotency_key(incident.id),
        reference=str(incident.id),
        deadline=deadline,
    )


def fallback(description: str, incident_type: str | None) -> Classification:
    """Halo's keyword classifier; the reporter's incident type decides when no keyword does."""
    result = classify_text(description)
    hint = category_for_halo_type(incident_type) if incident_type else None
    if result.threat_category == "other" and hint:
        return describe(hint, description, confidence=0.5)
    return result


async def classify(
    atlas: AtlasClient, draft: Draft, settings: HaloSettings, spent: float = 0.0
) -> Verdict:
    """Atlas's verdict within what is left of the creation deadline (`spent` seconds of the
    request are gone already), else the fallback's."""
    if not draft.through_atlas:
        return _fallen_back(draft, ROLLOUT)
    if settings.atlas.api_key is None:
        return _fallen_back(draft, NOT_CONFIGURED, settings)
    budget = max(0.001, settings.atlas_deadline_ms / 1000 - spent)
    try:
        answer = await ask_atlas(atlas, draft, settings, budget)
    except AtlasRejectedError as exc:
        log.warning("atlas_rejected_report", status=exc.status, reason=exc.reason)
        return _fallen_back(draft, REJECTED, settings, exc)
    except AtlasUnavailableError as exc:
        return _fallen_back(draft, UNAVAILABLE, settings, exc)
    return Verdict(answer.classification, "atlas", None, answer)


def _fallen_back(
    draft: Draft,
    reason: str,
    settings: HaloSettings | None = None,
    failure: AtlasUnavailableError | None = None,
) -> Verdict:
    """The fallback's verdict, or 503 when the operator turned the fallback off."""
    if settings is not None and not settings.atlas.fallback_enabled:
        retry_after = failure.retry_after if failure else None
        raise AppError(
            "Atlas cannot classify this report now and the fallback classifier is off; "
            "try again shortly",
            status=503,
            code=reason,
            headers={"Retry-After": str(max(1, round(retry_after or 5)))},
        ) from failure
    refusal = failure.reason if isinstance(failure, AtlasRejectedError) else None
    classification = fallback(draft.body.description, draft.body.incident_type)
    return Verdict(classification, "fallback", reason, refusal=refusal)


async def store(uow: UnitOfWork, draft: Draft, verdict: Verdict) -> CrimeIncident:
    """Insert the incident; when Atlas was unavailable, queue its sync in the same transaction."""
    now, c = uow.now, verdict.classification
    incident = CrimeIncident(
        id=draft.id,
        incident_type=draft.body.incident_type,
        description=draft.body.description,
        scrubbed_description=draft.scrubbed,
        latitude=draft.body.latitude,
        longitude=draft.body.longitude,
        occurred_at=draft.occurred_at,
        created_at=now,
        updated_at=now,
        reporter_id=draft.reporter_id,
        client_key=draft.client_key,
        category=c.threat_category,
        predicted_category=c.threat_category,
        severity=c.severity,
        confidence=c.confidence,
        classification_source=verdict.source,
        fallback_reason=verdict.fallback_reason,
        validations=0,
    )
    if verdict.atlas is not None:
        incident.atlas_threat_id = verdict.atlas.threat_id
        incident.atlas_classification = c.model_dump()
        incident.atlas_confidence = c.confidence
        incident.atlas_severity = c.severity
        incident.atlas_last_sync = now
    uow.session.add(incident)
    await uow.session.flush()
    if verdict.fallback_reason == UNAVAILABLE:
        await uow.enqueue(
            ATLAS_SYNC,
            {"incident_id": str(draft.id)},
            dedup_key=f"atlas-sync:{draft.id}",
            max_attempts=JOB_ATTEMPTS,
        )
    return incident


async def validate(
    uow: UnitOfWork, incident_id: uuid.UUID, body: ValidateIn, validator: Principal
) -> CrimeIncident:
    """Set the validated category; queue Atlas feedback when Atlas has (or will have) it."""
    now = uow.now
    incident = await uow.session.get(CrimeIncident, incident_id, with_for_update=True)
    if incident is None:
        raise NotFound(f"No incident {incident_id}")
    incident.category = body.actual_category
    incident.validated_category = body.actual_category
    incident.validated_by = body.validated_by or validator.username
    incident.validated_by_user_id = validator.user_id
    incident.validated_at = now
    incident.corrected = body.actual_category != incident.predicted_category
    incident.validations += 1
    incident.updated_at = now
    if incident.atlas_threat_id is not None or incident.fallback_reason == UNAVAILABLE:
        await uow.enqueue(
            ATLAS_FEEDBACK,
            {"incident_id": str(incident.id)},
            dedup_key=f"atlas-feedback:{incident.id}:{incident.validations}",
            max_attempts=JOB_ATTEMPTS,
        )
    await uow.session.flush()
    return incident
