"""The detection use case: log the AIEvent, apply the threshold, open or join, alert guards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.errors import NotFound
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.detections.schemas import DetectionOut
from safewatch.resq.dispatch.service import dispatch_if_new, priority_raised
from safewatch.resq.incidents.constants import SCREAM_DETECTED, VIOLENCE_DETECTED
from safewatch.resq.incidents.service import attach_signal
from safewatch.resq.models import AIEvent, IncidentSignal
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


ai_events = table_of(AIEvent)
signals = table_of(IncidentSignal)

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
    uow: UnitOfWork, detection: Detection, *, settings: ResqSettings, campus: CampusCache
) -> DetectionOut:
    """The seed's answer; only the keys the seed sends are set (routes exclude unset ones)."""
    session, now = uow.session, uow.now
    beacon = await campus.active_beacon(session, detection.beacon_id)
    if beacon is None:
        raise NotFound(f"Beacon {detection.beacon_id} not found or inactive")
    kind = detection.kind
    threshold = kind.threshold(settings)
    if detection.confidence < threshold:
        event_id = await _store_event(session, detection, "logged_only", None, now)
        return DetectionOut(
            status="logged_only",
            ai_event_id=event_id,
            confidence_score=detection.confidence,
            threshold=threshold,
            message=f"Confidence {fmt(detection.confidence)} below threshold {fmt(threshold)}",
        )

    attached = await attach_signal(
        session,
        beacon_id=detection.beacon_id,
        priority=kind.priority,
        now=now,
        window=timedelta(seconds=settings.dedup_window_seconds),
    )
    actor = f"ai:{kind.event_type}"
    dispatched = await dispatch_if_new(
        uow,
        attached,
        beacon_id=detection.beacon_id,
        actor=actor,
        campus=campus,
        settings=settings,
        confidence=detection.confidence,
    )
    if not dispatched and attached.escalated:
        await priority_raised(uow, attached, actor=actor, settings=settings)

    outcome = "incident_created" if attached.created else "signal_added_to_existing"
    event_id = await _store_event(session, detection, outcome, attached.incident_id, now)
    signal_id = (
        await session.execute(
            signals.insert()
            .values(
                incident_id=attached.incident_id,
                signal_type=kind.signal_type,
                ai_event_id=event_id,
                confidence=detection.confidence,
                description=detection.description,
                created_at=now,
            )
            .returning(signals.c.id)
        )
    ).scalar_one()
    return DetectionOut(
        status=outcome,
        ai_event_id=event_id,
        incident_id=str(attached.incident_id),
        signal_id=signal_id,
        confidence_score=detection.confidence,
        beacon_location=beacon.location_name,
        incident_status=attached.status,
        incident_priority=attached.priority,
    )


async def _store_event(
    session: AsyncSession,
    detection: Detection,
    outcome: str,
    incident_id: uuid.UUID | None,
    now: datetime,
) -> int:
    """Every detection is kept, with what became of it (one INSERT, outcome already known)."""
    statement = (
        ai_events.insert()
        .values(
            event_type=detection.kind.event_type,
            beacon_id=detection.beacon_id,
            confidence_score=detection.confidence,
            description=detection.description,
            source=detection.source,
            outcome=outcome,
            incident_id=incident_id,
            created_at=now,
        )
        .returning(ai_events.c.id)
    )
    return int((await session.execute(statement)).scalar_one())
