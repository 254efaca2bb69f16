"""The detection use case: log the AIEvent, apply the threshold, open or join, alert guards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.errors import NotFound
from safewatch.resq.alerts.service import alert_nearest_guards, renotify_alerted_guards
from safewatch.resq.incidents.constants import SCREAM_DETECTED, VIOLENCE_DETECTED
from safewatch.resq.incidents.service import add_signal
from safewatch.resq.models import AIEvent, Beacon
from safewatch.resq.settings import ResqSettings


@dataclass(frozen=True)
class DetectionKind:
    event_type: str
    signal_type: str
    priority: str

    def threshold(self, settings: ResqSettings) -> float:
        return (
            settings.violence_threshold
            if self.event_type == "violence"
            else settings.scream_threshold
        )


VIOLENCE = DetectionKind("violence", VIOLENCE_DETECTED, "Critical")
SCREAM = DetectionKind("scream", SCREAM_DETECTED, "High")
KINDS = {kind.event_type: kind for kind in (VIOLENCE, SCREAM)}


def fmt(number: float) -> str:
    """0.65 -> '0.65', 0.8 -> '0.80', 0.875 -> '0.875': as people write thresholds."""
    return f"{number:.2f}" if round(number, 2) == number else f"{number:g}"


@dataclass(frozen=True)
class Detection:
    kind: DetectionKind
    beacon_id: str
    confidence: float
    description: str
    source: str


async def process_detection(
    session: AsyncSession, detection: Detection, *, settings: ResqSettings, now: datetime
) -> dict[str, object]:
    beacon = await session.get(Beacon, detection.beacon_id)
    if beacon is None or not beacon.active:
        raise NotFound(f"Beacon {detection.beacon_id} not found or inactive")
    kind = detection.kind
    event = AIEvent(
        event_type=kind.event_type,
        beacon_id=beacon.beacon_id,
        confidence_score=detection.confidence,
        description=detection.description,
        source=detection.source,
        outcome="logged_only",
        created_at=now,
    )
    session.add(event)
    await session.flush()

    threshold = kind.threshold(settings)
    if detection.confidence < threshold:
        return {
            "status": "logged_only",
            "ai_event_id": event.id,
            "confidence_score": detection.confidence,
            "threshold": threshold,
            "message": f"Confidence {fmt(detection.confidence)} below threshold {fmt(threshold)}",
        }

    outcome = await add_signal(
        session,
        beacon_id=beacon.beacon_id,
        priority=kind.priority,
        signal_type=kind.signal_type,
        now=now,
        window=timedelta(seconds=settings.dedup_window_seconds),
        ai_event_id=event.id,
        confidence=detection.confidence,
        description=detection.description,
    )
    incident = outcome.incident
    if outcome.created:
        await alert_nearest_guards(
            session,
            incident,
            limit=settings.guards_per_alert,
            floor_penalty_m=settings.floor_penalty_m,
            now=now,
        )
    elif outcome.escalated:
        await renotify_alerted_guards(session, incident, now=now)

    event.outcome = "incident_created" if outcome.created else "signal_added_to_existing"
    event.incident_id = incident.id
    return {
        "status": event.outcome,
        "ai_event_id": event.id,
        "incident_id": str(incident.id),
        "signal_id": outcome.signal.id,
        "confidence_score": detection.confidence,
        "beacon_location": beacon.location_name,
        "incident_status": incident.status,
        "incident_priority": incident.priority,
    }
