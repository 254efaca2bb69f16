"""Who sees what of an incident: the full view for its reporter and validators, else public."""

from __future__ import annotations

from safewatch.core.auth import Principal
from safewatch.halo.incidents.schemas import IncidentOut, IncidentPublic
from safewatch.halo.models import VALIDATOR, CrimeIncident
from safewatch.halo.settings import HaloSettings


def sees_everything(incident: CrimeIncident, user: Principal | None) -> bool:
    if user is None:
        return False
    return user.role == VALIDATOR or incident.reporter_id == user.user_id


def to_out(incident: CrimeIncident, reporter: str | None) -> IncidentOut:
    return IncidentOut(
        id=incident.id,
        incident_type=incident.incident_type,
        description=incident.description,
        latitude=incident.latitude,
        longitude=incident.longitude,
        occurred_at=incident.occurred_at,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
        reporter=reporter,
        category=incident.category,
        severity=incident.severity,
        confidence=incident.confidence,
        classification_source=incident.classification_source,  # type: ignore[arg-type]
        fallback_reason=incident.fallback_reason,
        atlas_threat_id=incident.atlas_threat_id,
        atlas_classification=incident.atlas_classification,
        atlas_last_sync=incident.atlas_last_sync,
        atlas_confidence=incident.atlas_confidence,
        atlas_severity=incident.atlas_severity,
        validated_category=incident.validated_category,
        validated_by=incident.validated_by,
        validated_at=incident.validated_at,
    )


def to_public(incident: CrimeIncident, decimals: int) -> IncidentPublic:
    return IncidentPublic(
        id=incident.id,
        incident_type=incident.incident_type,
        description=incident.scrubbed_description,
        latitude=round(incident.latitude, decimals),
        longitude=round(incident.longitude, decimals),
        occurred_at=incident.occurred_at,
        created_at=incident.created_at,
        category=incident.category,
        severity=incident.severity,
        classification_source=incident.classification_source,  # type: ignore[arg-type]
        validated=incident.validated_category is not None,
    )


def view(
    incident: CrimeIncident, reporter: str | None, user: Principal | None, settings: HaloSettings
) -> IncidentOut | IncidentPublic:
    if sees_everything(incident, user):
        return to_out(incident, reporter)
    return to_public(incident, settings.public_location_decimals)
