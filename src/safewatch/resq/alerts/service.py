"""Alerting guards: pick the nearest on-duty guards, record ranked alerts, queue their pushes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.jobs import enqueue
from safewatch.resq.guards.proximity import Place, RankedGuard, rank_guards
from safewatch.resq.models import Beacon, BeaconLink, Guard, GuardAlert, Incident, jobs

SENT, ACKNOWLEDGED, DECLINED, CLOSED = "SENT", "ACKNOWLEDGED", "DECLINED", "CLOSED"
OPEN_ALERT_STATUSES = (SENT, ACKNOWLEDGED)
PUSH_ALERT = "resq.push_alert"


async def nearest_on_duty_guards(
    session: AsyncSession,
    beacon_id: str,
    *,
    limit: int,
    floor_penalty_m: float,
    exclude: Iterable[int] = (),
) -> list[RankedGuard]:
    beacons = (await session.execute(select(Beacon))).scalars().all()
    places = {b.beacon_id: Place(b.beacon_id, b.floor, b.latitude, b.longitude) for b in beacons}
    link_rows = await session.execute(
        select(BeaconLink.beacon_a, BeaconLink.beacon_b, BeaconLink.distance_m)
    )
    links = [(a, b, metres) for a, b, metres in link_rows.all()]
    guard_rows = await session.execute(
        select(Guard.id, Guard.current_beacon_id).where(Guard.on_duty.is_(True))
    )
    excluded = set(exclude)
    on_duty = [
        (guard_id, beacon) for guard_id, beacon in guard_rows.all() if guard_id not in excluded
    ]
    ranked = rank_guards(places[beacon_id], places, links, on_duty, floor_penalty_m=floor_penalty_m)
    return ranked[:limit]


async def alert_nearest_guards(
    session: AsyncSession,
    incident: Incident,
    *,
    limit: int,
    floor_penalty_m: float,
    now: datetime,
) -> list[GuardAlert]:
    """Alert up to `limit` nearest guards (rank 1 = nearest) and queue a push for each."""
    ranked = await nearest_on_duty_guards(
        session, incident.beacon_id, limit=limit, floor_penalty_m=floor_penalty_m
    )
    alerts = [
        GuardAlert(
            incident_id=incident.id,
            guard_id=guard.guard_id,
            priority_rank=rank,
            distance_m=guard.distance_m,
            status=SENT,
            created_at=now,
            updated_at=now,
        )
        for rank, guard in enumerate(ranked, start=1)
    ]
    session.add_all(alerts)
    await session.flush()
    for alert in alerts:
        await queue_push(session, alert.id, reason="alert", now=now)
    return alerts


async def renotify_alerted_guards(
    session: AsyncSession, incident: Incident, *, now: datetime
) -> int:
    """After a priority escalation, push once more to every guard still on the incident."""
    alert_ids = (
        (
            await session.execute(
                select(GuardAlert.id).where(
                    GuardAlert.incident_id == incident.id,
                    GuardAlert.status.in_(OPEN_ALERT_STATUSES),
                )
            )
        )
        .scalars()
        .all()
    )
    for alert_id in alert_ids:
        await queue_push(session, alert_id, reason=f"escalated:{incident.priority}", now=now)
    return len(alert_ids)


async def queue_push(session: AsyncSession, alert_id: int, *, reason: str, now: datetime) -> None:
    await enqueue(
        session,
        jobs,
        PUSH_ALERT,
        {"alert_id": alert_id, "reason": reason},
        now=now,
        dedup_key=f"push:{alert_id}:{reason}",
        max_attempts=8,
    )
