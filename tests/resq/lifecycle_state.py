"""ResQ's incident state read straight from the database, for the life-cycle state machine."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select

from safewatch.core.auth import Principal
from safewatch.core.db import Database
from safewatch.resq.models import (
    Guard,
    GuardAlert,
    GuardAssignment,
    Incident,
    IncidentEvent,
    User,
)


@dataclass(frozen=True)
class DatabaseState:
    incidents: dict[str, Row[Any]]
    alerts: dict[str, list[Row[Any]]]  # by incident, in rank order
    assignments: dict[str, Row[Any]]
    events: dict[str, list[Row[Any]]]  # by incident, in the order written

    def snapshot(self, incident_id: str) -> tuple[object, ...]:
        """Everything about one incident, to compare before and after."""
        return (
            self.incidents[incident_id],
            tuple(self.alerts[incident_id]),
            self.assignments.get(incident_id),
            tuple(self.events[incident_id]),
        )


async def read_state(db: Database) -> DatabaseState:
    async with db.transaction() as session:
        incidents = (
            await session.execute(
                select(
                    Incident.id,
                    Incident.beacon_id,
                    Incident.status,
                    Incident.priority,
                    Incident.accepting_signals,
                    Incident.updated_at,
                    Incident.last_signal_at,
                    Incident.closed_at,
                    Incident.escalation_round,
                    Incident.resolution_code,
                )
            )
        ).all()
        alerts = (
            await session.execute(
                select(
                    GuardAlert.incident_id,
                    GuardAlert.priority_rank,
                    GuardAlert.id,
                    GuardAlert.guard_id,
                    GuardAlert.status,
                    GuardAlert.updated_at,
                ).order_by(GuardAlert.incident_id, GuardAlert.priority_rank)
            )
        ).all()
        assignments = (
            await session.execute(
                select(
                    GuardAssignment.incident_id,
                    GuardAssignment.guard_id,
                    GuardAssignment.alert_id,
                    GuardAssignment.arrived_at,
                )
            )
        ).all()
        events = (
            await session.execute(
                select(
                    IncidentEvent.incident_id,
                    IncidentEvent.id,
                    IncidentEvent.kind,
                    IncidentEvent.actor,
                    IncidentEvent.reason,
                    IncidentEvent.data,
                    IncidentEvent.created_at,
                ).order_by(IncidentEvent.id)
            )
        ).all()
    by_incident: dict[str, list[Row[Any]]] = defaultdict(list)
    for alert in alerts:
        by_incident[str(alert.incident_id)].append(alert)
    timelines: dict[str, list[Row[Any]]] = defaultdict(list)
    for event in events:
        timelines[str(event.incident_id)].append(event)
    return DatabaseState(
        incidents={str(row.id): row for row in incidents},
        alerts=by_incident,
        assignments={str(row.incident_id): row for row in assignments},
        events=timelines,
    )


async def read_people(db: Database) -> tuple[dict[str, Principal], dict[int, str]]:
    """Every user by username, and each guard's username by guard id."""
    async with db.transaction() as session:
        users = (await session.execute(select(User.id, User.username, User.role))).all()
        guards = (await session.execute(select(Guard.id, Guard.user_id))).all()
    usernames = {user.id: user.username for user in users}
    return (
        {u.username: Principal(u.id, u.username, u.role) for u in users},
        {g.id: usernames[g.user_id] for g in guards},
    )
