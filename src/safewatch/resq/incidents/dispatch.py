"""What every new incident gets, whatever opened it: a timeline entry, the nearest guards
alerted, the escalation timer started, and (when configured) a report to Atlas queued."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.resq.alerts.escalation import schedule_escalation
from safewatch.resq.alerts.service import alert_nearest_guards
from safewatch.resq.beacons.campus import CampusSnapshot
from safewatch.resq.incidents.timeline import record
from safewatch.resq.intelligence.reports import queue_report
from safewatch.resq.settings import ResqSettings


async def dispatch_new_incident(
    session: AsyncSession,
    incident_id: uuid.UUID,
    *,
    beacon_id: str,
    priority: str,
    actor: str,
    campus: CampusSnapshot,
    settings: ResqSettings,
    now: datetime,
    **details: Any,
) -> list[int]:
    await record(
        session,
        incident_id,
        "created",
        actor=actor,
        now=now,
        priority=priority,
        beacon_id=beacon_id,
        **details,
    )
    alert_ids = await alert_nearest_guards(
        session,
        incident_id,
        campus,
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
    return alert_ids
