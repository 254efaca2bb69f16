"""Alerting guards: pick the nearest on-duty guards, record ranked alerts, queue their pushes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.alerts.transitions import OPEN_ALERT_STATUSES, SENT
from safewatch.resq.beacons.campus import CampusCache, CampusSnapshot
from safewatch.resq.guards.proximity import RankedGuard, rank_guards
from safewatch.resq.models import Guard, GuardAlert
from safewatch.resq.notify.ledger import notification_counts, record_notifications
from safewatch.resq.realtime.audience import alerts_created
from safewatch.resq.settings import ResqSettings

PUSH_ALERT = "resq.push_alert"

alerts_table = table_of(GuardAlert)


async def nearest_on_duty_guards(
    session: AsyncSession,
    campus: CampusSnapshot,
    beacon_id: str,
    *,
    limit: int,
    floor_penalty_m: float,
    exclude: Iterable[int] = (),
) -> list[RankedGuard]:
    excluded = set(exclude)
    guard_rows = await session.execute(
        select(Guard.id, Guard.current_beacon_id).where(Guard.on_duty.is_(True))
    )
    on_duty = [(gid, beacon) for gid, beacon in guard_rows.all() if gid not in excluded]
    places = campus.places
    ranked = rank_guards(
        places[beacon_id], places, campus.links, on_duty, floor_penalty_m=floor_penalty_m
    )
    return ranked[:limit]


async def alert_nearest_guards(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    beacon_id: str,
    campus: CampusCache,
    settings: ResqSettings,
) -> list[int]:
    """A new incident's first round: the RESQ_GUARDS_PER_ALERT nearest on-duty guards, rank 1 =
    nearest (nobody is alerted yet, so no query for earlier alerts); the new alert ids."""
    ranked = await nearest_on_duty_guards(
        uow.session,
        await campus.snapshot(uow.session),
        beacon_id,
        limit=settings.guards_per_alert,
        floor_penalty_m=settings.floor_penalty_m,
    )
    return await alert_guards(uow, incident_id, ranked, first_rank=1)


async def alert_round(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    beacon_id: str,
    campus: CampusCache,
    settings: ResqSettings,
) -> list[int]:
    """An escalation round: the next RESQ_GUARDS_PER_ALERT nearest on-duty guards not yet
    alerted, ranked after those who were; the new alert ids."""
    return await alert_next_guards(
        uow,
        incident_id,
        await campus.snapshot(uow.session),
        beacon_id,
        limit=settings.guards_per_alert,
        floor_penalty_m=settings.floor_penalty_m,
    )


async def alert_guards(
    uow: UnitOfWork, incident_id: uuid.UUID, ranked: list[RankedGuard], *, first_rank: int
) -> list[int]:
    """Record ranked alerts for these guards and queue their pushes; the new alert ids."""
    if not ranked:
        return []
    now = uow.now
    rows = [
        {
            "incident_id": incident_id,
            "guard_id": guard.guard_id,
            "priority_rank": rank,
            "distance_m": guard.distance_m,
            "status": SENT,
            "created_at": now,
            "updated_at": now,
        }
        for rank, guard in enumerate(ranked, start=first_rank)
    ]
    result = await uow.session.execute(
        alerts_table.insert().returning(alerts_table.c.id, sort_by_parameter_order=True), rows
    )
    alert_ids = list(result.scalars().all())
    await queue_pushes(uow, alert_ids, reason="alert")
    await alerts_created(uow, alert_ids)
    return alert_ids


async def alert_next_guards(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    campus: CampusSnapshot,
    beacon_id: str,
    *,
    limit: int,
    floor_penalty_m: float,
) -> list[int]:
    """Alert the next `limit` nearest guards not yet alerted, ranked after those who were."""
    session = uow.session
    previous = await session.execute(
        select(alerts_table.c.guard_id, alerts_table.c.priority_rank).where(
            alerts_table.c.incident_id == incident_id
        )
    )
    alerted = {guard_id: rank for guard_id, rank in previous.all()}
    ranked = await nearest_on_duty_guards(
        session,
        campus,
        beacon_id,
        limit=limit,
        floor_penalty_m=floor_penalty_m,
        exclude=alerted,
    )
    first_rank = max(alerted.values(), default=0) + 1
    return await alert_guards(uow, incident_id, ranked, first_rank=first_rank)


async def renotify_alerted_guards(
    uow: UnitOfWork, incident_id: uuid.UUID, priority: str, *, max_pushes: int
) -> int:
    """After a priority raise, push once more to every guard still on the incident, except
    guards who have not opened the alert and already got `max_pushes` for it (no storms)."""
    session = uow.session
    open_alerts = (
        await session.execute(
            select(alerts_table.c.id, alerts_table.c.seen_at).where(
                alerts_table.c.incident_id == incident_id,
                alerts_table.c.status.in_(OPEN_ALERT_STATUSES),
            )
        )
    ).all()
    pushed = await notification_counts(session, [alert_id for alert_id, _ in open_alerts])
    alert_ids = [
        alert_id
        for alert_id, seen_at in open_alerts
        if seen_at is not None or pushed[alert_id] < max_pushes
    ]
    await queue_pushes(uow, alert_ids, reason=f"escalated:{priority}")
    return len(alert_ids)


async def queue_pushes(uow: UnitOfWork, alert_ids: list[int], *, reason: str) -> None:
    """Queue one push per alert for `reason`, unless the ledger says it was queued before."""
    fresh = await record_notifications(uow.session, alert_ids, reason=reason, now=uow.now)
    await uow.enqueue_many(
        PUSH_ALERT,
        [({"alert_id": a, "reason": reason}, f"push:{a}:{reason}") for a in fresh],
        max_attempts=8,
    )
