"""The guard's inbox: their alerts, newest first; listing them counts as opening them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.resq.alerts.schemas import AlertIncident, AlertOut
from safewatch.resq.models import Beacon, GuardAlert, Incident


async def my_alerts(
    session: AsyncSession, guard_id: int, *, limit: int, now: datetime
) -> list[AlertOut]:
    rows = await session.execute(
        select(GuardAlert, Incident, Beacon)
        .join(Incident, Incident.id == GuardAlert.incident_id)
        .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
        .where(GuardAlert.guard_id == guard_id)
        .order_by(GuardAlert.created_at.desc(), GuardAlert.id.desc())
        .limit(limit)
    )
    alerts = [_alert_out(a, i, b) for a, i, b in rows.all()]
    # The app has shown them: no more reminder pushes for these (the push cap counts unseen).
    await session.execute(
        update(GuardAlert)
        .where(GuardAlert.guard_id == guard_id, GuardAlert.seen_at.is_(None))
        .values(seen_at=now)
    )
    return alerts


def _alert_out(alert: GuardAlert, incident: Incident, beacon: Beacon) -> AlertOut:
    return AlertOut(
        id=alert.id,
        status=alert.status,
        priority_rank=alert.priority_rank,
        created_at=alert.created_at,
        incident=AlertIncident(
            id=str(incident.id),
            status=incident.status,
            priority=incident.priority,
            location_name=beacon.location_name,
            building=beacon.building,
            floor=beacon.floor,
        ),
    )
