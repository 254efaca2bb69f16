"""Reading incidents as the caller may see them: the page of a list, one incident's detail."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.resq.incidents import repository as repo
from safewatch.resq.incidents.schemas import (
    AssignmentOut,
    IncidentAlertOut,
    IncidentDetail,
    IncidentPage,
    IncidentSummary,
    SignalOut,
    TimelineEntry,
)
from safewatch.resq.models import Beacon, Incident


def summary(incident: Incident, location_name: str) -> IncidentSummary:
    return IncidentSummary(
        id=str(incident.id),
        status=incident.status,
        priority=incident.priority,
        beacon_id=incident.beacon_id,
        location_name=location_name,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
    )


async def incident_page(
    session: AsyncSession,
    user: Principal,
    *,
    status: str | None,
    priority: str | None,
    limit: int,
    offset: int,
) -> IncidentPage:
    where = [repo.visible_to(user)]
    if status:
        where.append(Incident.status == status)
    if priority:
        where.append(Incident.priority == priority)
    total = await repo.count_visible(session, where)
    rows = await repo.page_of_visible(session, where, limit=limit, offset=offset)
    items = [summary(incident, location) for incident, location in rows]
    return IncidentPage(items=items, total=total, limit=limit, offset=offset)


async def incident_detail(
    session: AsyncSession, user: Principal, incident_id: uuid.UUID
) -> IncidentDetail:
    incident = await repo.visible_incident(session, user, incident_id)
    beacon = await session.get(Beacon, incident.beacon_id)
    assert beacon is not None
    signals, signal_count = await repo.latest_signals(session, incident_id)
    alerts = await repo.alerts_with_guard_names(session, incident_id)
    assignment = await repo.assignment_of(session, incident_id)
    # Who the students are is for the guard who is helping them (and themselves) only.
    assigned_user = assignment[2] if assignment is not None else None
    reporters = await repo.reporters_of(session, incident_id)
    dispatcher = user.role == "dispatcher"
    return IncidentDetail(
        **summary(incident, beacon.location_name).model_dump(),
        building=beacon.building,
        floor=beacon.floor,
        closed_at=incident.closed_at,
        resolution_code=incident.resolution_code,
        resolution_notes=incident.resolution_notes,
        signal_count=signal_count,
        signals=[
            SignalOut(
                id=s.id,
                signal_type=s.signal_type,
                confidence=s.confidence,
                description=s.description,
                created_at=s.created_at,
            )
            for s in signals
        ],
        alerts=[
            IncidentAlertOut(
                id=a.id,
                guard=name,
                priority_rank=a.priority_rank,
                status=a.status,
                distance_m=a.distance_m if dispatcher else None,  # where guards are: dispatch's
                created_at=a.created_at,
            )
            for a, name in alerts
        ],
        assignment=None
        if assignment is None
        else AssignmentOut(
            guard=assignment[1],
            assigned_at=assignment[0].assigned_at,
            arrived_at=assignment[0].arrived_at,
        ),
        reporters=[n for uid, n in reporters if user.user_id in (assigned_user, uid)],
        timeline=[
            TimelineEntry(kind=e.kind, actor=e.actor, reason=e.reason, data=e.data, at=e.created_at)
            for e in await repo.timeline_of(session, incident_id)
        ],
    )
