"""Who hears which event, read from the database inside the transaction that makes the change.

The rule is the HTTP API's (`incidents.repository.visible_to`): dispatchers hear everything; a
guard hears about their own alerts and the incidents they were alerted to; a student hears about
incidents they reported. Events wait for the commit (`UnitOfWork.publish`), so a change that
rolls back announces nothing. Data must be JSON-ready: it crosses Redis and the socket as JSON.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from safewatch.core.events import Event
from safewatch.core.unit_of_work import UnitOfWork
from safewatch.resq.models import (
    Beacon,
    Guard,
    GuardAlert,
    GuardAssignment,
    Incident,
    IncidentReporter,
    User,
)

DISPATCHERS = frozenset({"dispatcher"})


async def alerts_created(uow: UnitOfWork, alert_ids: list[int]) -> None:
    """alert.created: each alert to its own guard, and to dispatchers."""
    if not alert_ids or not uow.publishes:  # no bus (scripts, the CLI): skip the queries
        return
    rows = await uow.session.execute(
        select(
            GuardAlert.id,
            GuardAlert.incident_id,
            GuardAlert.priority_rank,
            Guard.user_id,
            Incident.priority,
            Beacon.location_name,
        )
        .join(Guard, Guard.id == GuardAlert.guard_id)
        .join(Incident, Incident.id == GuardAlert.incident_id)
        .join(Beacon, Beacon.beacon_id == Incident.beacon_id)
        .where(GuardAlert.id.in_(alert_ids))
        .order_by(GuardAlert.priority_rank)
    )
    for row in rows:
        data = {
            "alert_id": row.id,
            "incident_id": str(row.incident_id),
            "priority": row.priority,
            "priority_rank": row.priority_rank,
            "location_name": row.location_name,
        }
        uow.publish(Event("alert.created", data, frozenset({row.user_id}), DISPATCHERS))


async def alerts_closed(uow: UnitOfWork, alert_ids: list[int], *, reason: str) -> None:
    """alert.closed: each alert to its own guard, and to dispatchers. `reason` is "taken"
    (another guard accepted), "declined", "expired" (escalated), "unreachable" (no phone took
    it), "resolved" or "cancelled"."""
    if not alert_ids or not uow.publishes:
        return
    rows = await uow.session.execute(
        select(GuardAlert.id, GuardAlert.incident_id, GuardAlert.status, Guard.user_id)
        .join(Guard, Guard.id == GuardAlert.guard_id)
        .where(GuardAlert.id.in_(alert_ids))
        .order_by(GuardAlert.priority_rank)
    )
    for row in rows:
        data = {
            "alert_id": row.id,
            "incident_id": str(row.incident_id),
            "status": row.status,
            "reason": reason,
        }
        uow.publish(Event("alert.closed", data, frozenset({row.user_id}), DISPATCHERS))


async def incident_updated(uow: UnitOfWork, incident_id: uuid.UUID, *, change: str) -> None:
    """incident.updated to everyone involved: every guard alerted to it (whatever became of the
    alert), its reporters, and dispatchers. `change`: accepted, arrived, resolved, cancelled,
    priority_raised, dispatch_needed."""
    if not uow.publishes:
        return
    session = uow.session
    incident = (
        await session.execute(
            select(
                Incident.status,
                Incident.priority,
                Incident.reporter_user_id,
                User.display_name.label("assigned_guard"),
            )
            .outerjoin(GuardAssignment, GuardAssignment.incident_id == Incident.id)
            .outerjoin(Guard, Guard.id == GuardAssignment.guard_id)
            .outerjoin(User, User.id == Guard.user_id)
            .where(Incident.id == incident_id)
        )
    ).one()
    alerted = await session.execute(
        select(Guard.user_id)
        .join(GuardAlert, GuardAlert.guard_id == Guard.id)
        .where(GuardAlert.incident_id == incident_id)
    )
    reporters = await session.execute(
        select(IncidentReporter.user_id).where(IncidentReporter.incident_id == incident_id)
    )
    users = {*alerted.scalars(), *reporters.scalars()}
    if incident.reporter_user_id is not None:
        users.add(incident.reporter_user_id)
    data = {
        "incident_id": str(incident_id),
        "change": change,
        "status": incident.status,
        "priority": incident.priority,
        "assigned_guard": incident.assigned_guard,
    }
    uow.publish(Event("incident.updated", data, frozenset(users), DISPATCHERS))


def message_event(
    incident_id: uuid.UUID, message: dict[str, Any], participants: Iterable[int]
) -> Event:
    """message.created, for the chat to queue with `uow.publish` once a message is
    stored: to the conversation's participants (`chat.service.participants`: the incident's
    reporters and its assigned guard) and dispatchers. `message` is as the chat API returns it,
    JSON-ready (times as ISO strings)."""
    data = {"incident_id": str(incident_id), **message}
    return Event("message.created", data, frozenset(participants), DISPATCHERS)
