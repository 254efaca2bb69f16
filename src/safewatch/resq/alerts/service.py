"""Alerting guards: pick the nearest on-duty guards, record ranked alerts, queue their pushes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.jobs import enqueue_many
from safewatch.resq.beacons.campus import CampusSnapshot
from safewatch.resq.guards.proximity import RankedGuard, rank_guards
from safewatch.resq.models import Guard, GuardAlert, jobs

SENT, ACKNOWLEDGED, DECLINED, CLOSED = "SENT", "ACKNOWLEDGED", "DECLINED", "CLOSED"
OPEN_ALERT_STATUSES = (SENT, ACKNOWLEDGED)
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
    session: AsyncSession,
    incident_id: uuid.UUID,
    campus: CampusSnapshot,
    beacon_id: str,
    *,
    limit: int,
    floor_penalty_m: float,
    now: datetime,
) -> list[int]:
    """Alert up to `limit` nearest guards (rank 1 = nearest), queue a push for each; alert ids."""
    ranked = await nearest_on_duty_guards(
        session, campus, beacon_id, limit=limit, floor_penalty_m=floor_penalty_m
    )
    return await alert_guards(session, incident_id, ranked, first_rank=1, now=now)


async def alert_guards(
    session: AsyncSession,
    incident_id: uuid.UUID,
    ranked: list[RankedGuard],
    *,
    first_rank: int,
    now: datetime,
) -> list[int]:
    """Record ranked alerts for these guards and queue their pushes; the new alert ids."""
    if not ranked:
        return []
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
    result = await session.execute(
        alerts_table.insert().returning(alerts_table.c.id, sort_by_parameter_order=True), rows
    )
    alert_ids = list(result.scalars().all())
    await queue_pushes(session, alert_ids, reason="alert", now=now)
    return alert_ids


async def renotify_alerted_guards(
    session: AsyncSession, incident_id: uuid.UUID, priority: str, *, now: datetime
) -> int:
    """After a priority escalation, push once more to every guard still on the incident."""
    alert_ids = (
        (
            await session.execute(
                select(alerts_table.c.id).where(
                    alerts_table.c.incident_id == incident_id,
                    alerts_table.c.status.in_(OPEN_ALERT_STATUSES),
                )
            )
        )
        .scalars()
        .all()
    )
    await queue_pushes(session, list(alert_ids), reason=f"escalated:{priority}", now=now)
    return len(alert_ids)


async def queue_pushes(
    session: AsyncSession, alert_ids: list[int], *, reason: str, now: datetime
) -> None:
    await enqueue_many(
        session,
        jobs,
        PUSH_ALERT,
        [({"alert_id": a, "reason": reason}, f"push:{a}:{reason}") for a in alert_ids],
        now=now,
        max_attempts=8,
    )
