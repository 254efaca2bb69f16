"""Opening and joining incidents. Race-free by the partial unique index, never check-then-insert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db.dialect import insert_for
from safewatch.resq.incidents.constants import CLOSED_STATUSES, CREATED, lower_priorities
from safewatch.resq.models import Conversation, Incident, IncidentSignal


@dataclass(frozen=True)
class SignalOutcome:
    incident: Incident
    signal: IncidentSignal
    created: bool
    escalated: bool


async def add_signal(
    session: AsyncSession,
    *,
    beacon_id: str,
    priority: str,
    signal_type: str,
    now: datetime,
    window: timedelta,
    ai_event_id: int | None = None,
    confidence: float | None = None,
    description: str = "",
) -> SignalOutcome:
    """Attach a signal to the beacon's joinable incident, opening one if there is none."""
    await _close_stale_windows(session, beacon_id, now - window)
    incident_id, created = await _open_or_find(session, beacon_id, priority, now)
    escalated = False
    if not created:
        escalated = await _escalate(session, incident_id, priority, now)
        await session.execute(
            update(Incident)
            .where(Incident.id == incident_id)
            .values(last_signal_at=now, updated_at=now)
        )
    else:
        session.add(Conversation(incident_id=incident_id, created_at=now))
    signal = IncidentSignal(
        incident_id=incident_id,
        signal_type=signal_type,
        ai_event_id=ai_event_id,
        confidence=confidence,
        description=description,
        created_at=now,
    )
    session.add(signal)
    await session.flush()
    incident = (
        await session.execute(
            select(Incident)
            .where(Incident.id == incident_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return SignalOutcome(incident, signal, created, escalated)


async def _close_stale_windows(session: AsyncSession, beacon_id: str, cutoff: datetime) -> None:
    """Idempotent and race-safe: whoever runs it, stale incidents stop taking signals."""
    await session.execute(
        update(Incident)
        .where(
            Incident.beacon_id == beacon_id,
            Incident.accepting_signals.is_(True),
            or_(Incident.last_signal_at < cutoff, Incident.status.in_(CLOSED_STATUSES)),
        )
        .values(accepting_signals=False)
    )


async def _try_open(
    session: AsyncSession, beacon_id: str, priority: str, now: datetime
) -> uuid.UUID | None:
    statement = (
        insert_for(session, Incident)
        .values(
            id=uuid.uuid4(),
            beacon_id=beacon_id,
            status=CREATED,
            priority=priority,
            accepting_signals=True,
            created_at=now,
            updated_at=now,
            last_signal_at=now,
        )
        .on_conflict_do_nothing(index_elements=["beacon_id"], index_where=text("accepting_signals"))
        .returning(Incident.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def _open_or_find(
    session: AsyncSession, beacon_id: str, priority: str, now: datetime
) -> tuple[uuid.UUID, bool]:
    """(incident id, created). Loops only if the incident we collided with closed meanwhile."""
    for _ in range(5):
        opened = await _try_open(session, beacon_id, priority, now)
        if opened is not None:
            return opened, True
        joinable = select(Incident.id).where(
            Incident.beacon_id == beacon_id, Incident.accepting_signals.is_(True)
        )
        found = (await session.execute(joinable)).scalar_one_or_none()
        if found is not None:
            return found, False
    raise RuntimeError(f"could not open or join an incident at beacon {beacon_id}")


async def _escalate(
    session: AsyncSession, incident_id: uuid.UUID, priority: str, now: datetime
) -> bool:
    """Compare-and-set: raise the priority only if it is lower; True when it was raised."""
    lower = lower_priorities(priority)
    if not lower:
        return False
    statement = (
        update(Incident)
        .where(Incident.id == incident_id, Incident.priority.in_(lower))
        .values(priority=priority, updated_at=now)
        .returning(Incident.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None
