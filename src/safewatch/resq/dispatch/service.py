"""A new incident needs guards: whatever opened it (a detection, an SOS), it gets a timeline
entry, the nearest guards alerted, the escalation timer started and (when configured) a report
to Atlas queued. And when nobody is left to alert, the dispatchers are told."""

from __future__ import annotations

from typing import Any

from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.alerts.service import alert_nearest_guards, renotify_alerted_guards
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.dispatch.escalation import schedule_escalation
from safewatch.resq.incidents.service import Attachment
from safewatch.resq.incidents.timeline import record
from safewatch.resq.intelligence.reports import queue_report
from safewatch.resq.realtime.audience import incident_updated
from safewatch.resq.settings import ResqSettings


async def dispatch_if_new(
    uow: UnitOfWork,
    attached: Attachment,
    *,
    beacon_id: str,
    actor: str,
    campus: CampusCache,
    settings: ResqSettings,
    **details: Any,
) -> bool:
    """Dispatch the incident a signal just opened; False when the signal joined one."""
    if not attached.created:
        return False
    session, now = uow.session, uow.now
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
    alert_ids = await alert_nearest_guards(uow, incident_id, beacon_id, campus, settings)
    await record(
        session, incident_id, "guards_alerted", actor="system", now=now, alert_ids=alert_ids
    )
    await schedule_escalation(uow, incident_id, round_=1, settings=settings)
    await queue_report(uow, incident_id, settings)
    return True


async def priority_raised(
    uow: UnitOfWork, attached: Attachment, *, actor: str, settings: ResqSettings
) -> None:
    """A signal raised a joined incident's priority: the guards still on it hear once more."""
    incident_id = attached.incident_id
    await record(
        uow.session,
        incident_id,
        "priority_raised",
        actor=actor,
        now=uow.now,
        priority=attached.priority,
    )
    await renotify_alerted_guards(
        uow, incident_id, attached.priority, max_pushes=settings.max_pushes_per_alert
    )
    await incident_updated(uow, incident_id, change="priority_raised")
