"""An SOS is a Medium signal from a student, deduplicated and dispatched like a detection;
the student becomes one of the incident's reporters and joins its conversation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from safewatch.core.auth import Principal
from safewatch.core.db import table_of
from safewatch.core.db.dialect import insert_for
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.dispatch.service import dispatch_if_new
from safewatch.resq.incidents.constants import SOS
from safewatch.resq.incidents.service import Attachment, attach_signal
from safewatch.resq.incidents.timeline import record
from safewatch.resq.models import Incident, IncidentReporter, IncidentSignal
from safewatch.resq.settings import ResqSettings
from safewatch.resq.sos.schemas import SosOut

incidents = table_of(Incident)
reporters = table_of(IncidentReporter)
signals = table_of(IncidentSignal)


async def sos_at_beacon(
    uow: UnitOfWork,
    student: Principal,
    *,
    beacon_id: str,
    text: str,
    campus: CampusCache,
    settings: ResqSettings,
) -> SosOut:
    """An SOS at an active beacon (else 422 naming where to find one), answered for the app."""
    beacon = await campus.require_active(uow.session, beacon_id)
    attached = await raise_sos(
        uow,
        student,
        beacon_id=beacon_id,
        text=text,
        window=timedelta(seconds=settings.dedup_window_seconds),
        campus=campus,
        settings=settings,
    )
    return SosOut(
        status="incident_created" if attached.created else "signal_added_to_existing",
        incident_id=str(attached.incident_id),
        incident_status=attached.status,
        incident_priority=attached.priority,
        beacon_location=beacon.location_name,
    )


async def raise_sos(
    uow: UnitOfWork,
    student: Principal,
    *,
    beacon_id: str,
    text: str,
    window: timedelta,
    campus: CampusCache,
    settings: ResqSettings,
) -> Attachment:
    session, now = uow.session, uow.now
    attached = await attach_signal(
        session, beacon_id=beacon_id, priority="Medium", now=now, window=window
    )
    incident_id = attached.incident_id
    await session.execute(
        insert_for(session, reporters)
        .values(incident_id=incident_id, user_id=student.user_id, created_at=now)
        .on_conflict_do_nothing()
    )
    await session.execute(
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.reporter_user_id.is_(None))
        .values(reporter_user_id=student.user_id)
    )
    await session.execute(
        signals.insert().values(
            incident_id=incident_id,
            signal_type=SOS,
            confidence=None,
            description=text,
            created_at=now,
        )
    )
    dispatched = await dispatch_if_new(
        uow,
        attached,
        beacon_id=beacon_id,
        actor=student.username,
        campus=campus,
        settings=settings,
        source="sos",
    )
    if not dispatched:
        await record(session, incident_id, "sos_linked", actor=student.username, now=now)
    return attached
