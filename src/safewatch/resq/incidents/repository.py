"""Queries that read incidents, limited to what the caller may see: others get 404."""

from __future__ import annotations

import uuid

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


async def count_visible(session: AsyncSession, where: list[ColumnElement[bool]]) -> int:
    total = await session.execute(select(func.count()).select_from(Incident).where(*where))
    return int(total.scalar_one())


async def page_of_visible(
    session: AsyncSession, where: list[ColumnElement[bool]], *, limit: int, offset: int
) -> list[tuple[Incident, str]]:
    """Newest first, each with its beacon's location name."""
    rows = await session.execute(
        select(Incident, Beacon.location_name)
        .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
        .where(*where)
        .order_by(Incident.created_at.desc(), Incident.id)
        .limit(limit)
        .offset(offset)
    )
    return [(incident, location) for incident, location in rows.all()]


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


async def alerts_with_guard_names(
    session: AsyncSession, incident_id: uuid.UUID
) -> list[tuple[GuardAlert, str]]:
    rows = await session.execute(
        select(GuardAlert, User.display_name)
        .join(Guard, Guard.id == GuardAlert.guard_id)
        .join(User, User.id == Guard.user_id)
        .where(GuardAlert.incident_id == incident_id)
        .order_by(GuardAlert.priority_rank)
    )
    return [(alert, name) for alert, name in rows.all()]


async def assignment_of(
    session: AsyncSession, incident_id: uuid.UUID
) -> tuple[GuardAssignment, str, int] | None:
    """The assignment, its guard's display name and user id; None while unassigned."""
    row = await session.execute(
        select(GuardAssignment, User.display_name, User.id)
        .join(Guard, Guard.id == GuardAssignment.guard_id)
        .join(User, User.id == Guard.user_id)
        .where(GuardAssignment.incident_id == incident_id)
    )
    found = row.one_or_none()
    return None if found is None else (found[0], found[1], found[2])


async def assigned_guard_id(session: AsyncSession, incident_id: uuid.UUID) -> int | None:
    return (
        await session.execute(
            select(GuardAssignment.guard_id).where(GuardAssignment.incident_id == incident_id)
        )
    ).scalar_one_or_none()


async def reporters_of(session: AsyncSession, incident_id: uuid.UUID) -> list[tuple[int, str]]:
    """The students who reported it (user id, display name), first reporter first."""
    rows = await session.execute(
        select(User.id, User.display_name)
        .join(IncidentReporter, IncidentReporter.user_id == User.id)
        .where(IncidentReporter.incident_id == incident_id)
        .order_by(IncidentReporter.created_at)
    )
    return [(user_id, name) for user_id, name in rows.all()]


async def timeline_of(session: AsyncSession, incident_id: uuid.UUID) -> list[IncidentEvent]:
    rows = await session.execute(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.id)
    )
    return list(rows.scalars().all())
