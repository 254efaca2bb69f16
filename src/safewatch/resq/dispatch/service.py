"""A new incident needs guards: whatever opened it (a detection, an SOS), it gets a timeline
entry, the nearest guards alerted, the escalation timer started and (when configured) a report
to Atlas queued. And when nobody is left to alert, the dispatchers are told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.resq.alerts.service import alert_nearest_guards, renotify_alerted_guards
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.dispatch.escalation import schedule_escalation
from safewatch.resq.incidents.service import Attachment
from safewatch.resq.incidents.timeline import record
from safewatch.resq.intelligence.reports import queue_report
from safewatch.resq.realtime.audience import incident_updated
from safewatch.resq.settings import ResqSettings


async def dispatch_if_new(
    session: AsyncSession,
    attached: Attachment,
    *,
    beacon_id: str,
    actor: str,
    campus: CampusCache,
    settings: ResqSettings,
    now: datetime,
    **details: Any,
) -> bool:
    """Dispatch the incident a signal just opened; False when the signal joined one."""
    if not attached.created:
        return False
    incident_id = attached.incident_id
    await record(
        session,
        incident_id,
        "created",
        actor=actor,
        now=now,
        priority=attached.priority,
        beacon_id=beacon_id,
        **details,
    )
    alert_ids = await alert_nearest_guards(
        session,
        incident_id,
        await campus.snapshot(session),
        beacon_id,
        limit=settings.guards_per_alert,
        floor_penalty_m=settings.floor_penalty_m,
        now=now,
    )
    await record(
        session, incident_id, "guards_alerted", actor="system", now=now, alert_ids=alert_ids
    )
    await schedule_escalation(session, incident_id, round_=1, settings=settings, now=now)
    await queue_report(session, incident_id, settings, now)
    return True


async def priority_raised(
    session: AsyncSession,
    attached: Attachment,
    *,
    actor: str,
    settings: ResqSettings,
    now: datetime,
) -> None:
    """A signal raised a joined incident's priority: the guards still on it hear once more."""
    incident_id = attached.incident_id
    await record(
        session, incident_id, "priority_raised", actor=actor, now=now, priority=attached.priority
    )
    await renotify_alerted_guards(
        session,
        incident_id,
        attached.priority,
        max_pushes=settings.max_pushes_per_alert,
        now=now,
    )
    await incident_updated(session, incident_id, change="priority_raised")
