"""Reading incidents, limited to what the caller may see: others get 404."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.resq.models import (
    Beacon,
    Guard,
    GuardAlert,
    GuardAssignment,
    Incident,
    IncidentEvent,
    IncidentReporter,
    IncidentSignal,
    User,
)

SIGNALS_SHOWN = 50  # the newest; `signal_count` says how many there are in all


def visible_to(user: Principal) -> ColumnElement[bool]:
    """Dispatchers see all; guards the incidents they were alerted to; students their own."""
    if user.role == "dispatcher":
        return true()
    if user.role == "guard":
        alerted = (
            select(GuardAlert.incident_id)
            .join(Guard, Guard.id == GuardAlert.guard_id)
            .where(Guard.user_id == user.user_id)
        )
        return Incident.id.in_(alerted)
    reported = select(IncidentReporter.incident_id).where(IncidentReporter.user_id == user.user_id)
    return Incident.id.in_(reported)


async def list_incidents(
    session: AsyncSession,
    user: Principal,
    *,
    status: str | None,
    priority: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict[str, Any]]]:
    where = [visible_to(user)]
    if status:
        where.append(Incident.status == status)
    if priority:
        where.append(Incident.priority == priority)
    total = (
        await session.execute(select(func.count()).select_from(Incident).where(*where))
    ).scalar_one()
    rows = await session.execute(
        select(Incident, Beacon.location_name)
        .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
        .where(*where)
        .order_by(Incident.created_at.desc(), Incident.id)
        .limit(limit)
        .offset(offset)
    )
    return int(total), [summary(incident, location) for incident, location in rows.all()]


def summary(incident: Incident, location_name: str) -> dict[str, Any]:
    return {
        "id": str(incident.id),
        "status": incident.status,
        "priority": incident.priority,
        "beacon_id": incident.beacon_id,
        "location_name": location_name,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
    }


async def visible_incident(
    session: AsyncSession, user: Principal, incident_id: uuid.UUID
) -> Incident:
    incident = (
        await session.execute(select(Incident).where(Incident.id == incident_id, visible_to(user)))
    ).scalar_one_or_none()
    if incident is None:
        raise NotFound(f"Incident {incident_id} not found")
    return incident


async def latest_signals(
    session: AsyncSession, incident_id: uuid.UUID
) -> tuple[list[IncidentSignal], int]:
    """The newest SIGNALS_SHOWN signals, oldest first, and how many there are in all: a model
    server posting every few seconds for an hour must not grow the detail without bound."""
    newest = await session.execute(
        select(IncidentSignal)
        .where(IncidentSignal.incident_id == incident_id)
        .order_by(IncidentSignal.id.desc())
        .limit(SIGNALS_SHOWN)
    )
    count = await session.execute(
        select(func.count()).where(IncidentSignal.incident_id == incident_id)
    )
    return list(reversed(newest.scalars().all())), int(count.scalar_one())


async def incident_detail(
    session: AsyncSession, user: Principal, incident_id: uuid.UUID
) -> dict[str, Any]:
    incident = await visible_incident(session, user, incident_id)
    beacon = await session.get(Beacon, incident.beacon_id)
    assert beacon is not None
    signals, signal_count = await latest_signals(session, incident_id)
    alerts = (
        await session.execute(
            select(GuardAlert, User.display_name)
            .join(Guard, Guard.id == GuardAlert.guard_id)
            .join(User, User.id == Guard.user_id)
            .where(GuardAlert.incident_id == incident_id)
            .order_by(GuardAlert.priority_rank)
        )
    ).all()
    assignment = (
        await session.execute(
            select(GuardAssignment, User.display_name, User.id)
            .join(Guard, Guard.id == GuardAssignment.guard_id)
            .join(User, User.id == Guard.user_id)
            .where(GuardAssignment.incident_id == incident_id)
        )
    ).one_or_none()
    # Who the students are is for the guard who is helping them (and themselves) only.
    assigned_user = assignment[2] if assignment is not None else None
    reporters = (
        await session.execute(
            select(User.id, User.display_name)
            .join(IncidentReporter, IncidentReporter.user_id == User.id)
            .where(IncidentReporter.incident_id == incident_id)
            .order_by(IncidentReporter.created_at)
        )
    ).all()
    shown_reporters = [
        name for user_id, name in reporters if user.user_id in (assigned_user, user_id)
    ]
    timeline = (
        (
            await session.execute(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == incident_id)
                .order_by(IncidentEvent.id)
            )
        )
        .scalars()
        .all()
    )
    dispatcher = user.role == "dispatcher"
    return {
        **summary(incident, beacon.location_name),
        "building": beacon.building,
        "floor": beacon.floor,
        "closed_at": incident.closed_at,
        "resolution_code": incident.resolution_code,
        "resolution_notes": incident.resolution_notes,
        "signal_count": signal_count,
        "signals": [
            {
                "id": s.id,
                "signal_type": s.signal_type,
                "confidence": s.confidence,
                "description": s.description,
                "created_at": s.created_at,
            }
            for s in signals
        ],
        "alerts": [
            {
                "id": a.id,
                "guard": name,
                "priority_rank": a.priority_rank,
                "status": a.status,
                # where a guard stands is for dispatch only
                "distance_m": a.distance_m if dispatcher else None,
                "created_at": a.created_at,
            }
            for a, name in alerts
        ],
        "assignment": None
        if assignment is None
        else {
            "guard": assignment[1],
            "assigned_at": assignment[0].assigned_at,
            "arrived_at": assignment[0].arrived_at,
        },
        "reporters": shown_reporters,
        "timeline": [
            {
                "kind": e.kind,
                "actor": e.actor,
                "reason": e.reason,
                "data": e.data,
                "at": e.created_at,
            }
            for e in timeline
        ],
    }
