"""Every new campus incident is reported to Atlas (product `resq`) by a durable job queued in
the transaction that opened it. Only what a pattern needs leaves ResQ: what was detected, at
which beacon's coordinates, and when; never a name, and never a student's own words."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from safewatch.atlas_client import AtlasClient
from safewatch.atlas_client.jobs import atlas_job_errors
from safewatch.core.db import Database
from safewatch.core.jobs import Job
from safewatch.core.logging import get_logger
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.incidents.constants import SCREAM_DETECTED, SOS, VIOLENCE_DETECTED
from safewatch.resq.models import Beacon, Incident, IncidentSignal
from safewatch.resq.settings import ResqSettings

REPORT_TO_ATLAS = "resq.report_to_atlas"
log = get_logger(__name__)
WHAT = {
    VIOLENCE_DETECTED: "Violence detected by a campus camera",
    SCREAM_DETECTED: "Screaming detected by a campus microphone",
    SOS: "A student raised an SOS asking campus security for help",
}


async def queue_report(uow: UnitOfWork, incident_id: uuid.UUID, settings: ResqSettings) -> None:
    if settings.reports_to_atlas:
        await uow.enqueue(
            REPORT_TO_ATLAS,
            {"incident_id": str(incident_id)},
            dedup_key=f"atlas-report:{incident_id}",
        )


def describe(signal_type: str, model_text: str | None, place: str) -> str:
    """A model server's own words ("Fight detected") are kept; a student's are not."""
    text = f"{WHAT.get(signal_type, 'Campus incident')} at {place}"
    if model_text and signal_type != SOS:
        text += f": {model_text}"
    return text


class ReportToAtlasJob:
    """Atlas stores the report once, however often this runs (one idempotency key per
    incident); a 4xx dead-letters the job with Atlas's reason."""

    def __init__(self, db: Database, atlas: AtlasClient) -> None:
        self.db, self.atlas = db, atlas

    async def __call__(self, job: Job) -> None:
        incident_id = uuid.UUID(job.payload["incident_id"])
        async with self.db.sessions() as session:
            row = (
                await session.execute(
                    select(Incident, Beacon, IncidentSignal)
                    .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
                    .join(IncidentSignal, IncidentSignal.incident_id == Incident.id)
                    .where(Incident.id == incident_id)
                    .order_by(IncidentSignal.id)
                    .limit(1)
                )
            ).one_or_none()
        if row is None:
            return
        incident, beacon, first = row
        if beacon.latitude is None or beacon.longitude is None:
            log.info("atlas_report_skipped", incident_id=str(incident_id), reason="no coordinates")
            return
        with atlas_job_errors():
            answer = await self.atlas.classify_incident(
                describe(first.signal_type, first.description, beacon.location_name),
                (beacon.latitude, beacon.longitude),
                occurred_at=incident.created_at,
                incident_type=first.signal_type.lower(),
                idempotency_key=f"resq-incident-{incident_id}",
                reference=str(incident_id),
                include_nearby_patterns=False,
            )
        log.info("atlas_reported", incident_id=str(incident_id), threat_id=str(answer.threat_id))
