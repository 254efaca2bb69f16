"""Durable work towards Atlas: classify incidents created while it was away; send feedback."""

from __future__ import annotations

import uuid

from safewatch.atlas_client import AtlasClient
from safewatch.atlas_client.jobs import atlas_job_errors
from safewatch.core.db import Database
from safewatch.core.jobs import Job, PermanentJobError, RetryLater
from safewatch.core.logging import get_logger
from safewatch.core.unit_of_work import UnitsOfWork
from safewatch.halo.incidents import repository
from safewatch.halo.incidents.service import REJECTED, UNAVAILABLE, ask_atlas
from safewatch.halo.kpis.metrics import SYNCED
from safewatch.halo.models import CrimeIncident
from safewatch.halo.settings import HaloSettings

log = get_logger(__name__)
# A feedback job for an incident not yet classified by Atlas waits for the sync this long.
WAIT_FOR_SYNC_SECONDS = 30.0


class AtlasSyncJob:
    """Classify one incident through Atlas under its idempotency key and fill its atlas
    columns. Atlas stores it once, however many times this runs."""

    def __init__(self, units: UnitsOfWork, atlas: AtlasClient, settings: HaloSettings) -> None:
        self.units, self.atlas, self.settings = units, atlas, settings

    async def __call__(self, job: Job) -> None:
        incident_id = uuid.UUID(job.payload["incident_id"])
        async with self.units.db.sessions() as session:
            incident = await session.get(CrimeIncident, incident_id)
        if incident is None or incident.atlas_threat_id is not None:
            return
        try:
            with atlas_job_errors():
                answer = await ask_atlas(self.atlas, incident, self.settings)
        except PermanentJobError:
            # Refused for good: the incident stops promising a sync.
            async with self.units.begin() as uow:
                await repository.give_up_sync(uow.session, incident_id, REJECTED)
            raise
        async with self.units.begin() as uow:
            filled = await repository.apply_atlas(uow.session, incident_id, answer, uow.now)
        if filled:
            SYNCED.inc()
            log.info("atlas_synced", incident_id=str(incident_id), threat_id=str(answer.threat_id))


class AtlasFeedbackJob:
    """Tell Atlas the validated category of one incident (its current one, so jobs that run
    out of order still leave Atlas with the last verdict). A 4xx dead-letters the job. It
    only reads, so it needs no unit of work."""

    def __init__(self, db: Database, atlas: AtlasClient) -> None:
        self.db, self.atlas = db, atlas

    async def __call__(self, job: Job) -> None:
        incident_id = uuid.UUID(job.payload["incident_id"])
        async with self.db.sessions() as session:
            incident = await session.get(CrimeIncident, incident_id)
        if incident is None or incident.validated_category is None:
            return
        if incident.atlas_threat_id is None or incident.atlas_classification is None:
            if incident.fallback_reason == UNAVAILABLE:
                raise RetryLater(
                    "waiting for the Atlas sync of this incident", WAIT_FOR_SYNC_SECONDS
                )
            return
        with atlas_job_errors():
            await self.atlas.send_feedback(
                incident.atlas_threat_id,
                incident.atlas_classification["threat_category"],
                incident.validated_category,
                # Atlas needs who validated only to tell validators apart: no names leave Halo.
                f"halo-user-{incident.validated_by_user_id}",
                corrected_at=incident.validated_at,
            )
