"""Opening and joining incidents. Race-free by the partial unique index, never check-then-insert.

This is the hot path of every detection, so it speaks SQL Core and keeps statements few: a join
is one UPDATE ... RETURNING; only a miss closes stale windows and tries the guarded INSERT.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.db.dialect import insert_for
from safewatch.resq.incidents.constants import (
    CLOSED_STATUSES,
    CREATED,
    PRIORITY_RANK,
    lower_priorities,
)
from safewatch.resq.models import Conversation, Incident

incidents = table_of(Incident)
conversations = table_of(Conversation)


@dataclass(frozen=True)
class Attachment:
    """The incident a signal belongs to, and what attaching it did."""

    incident_id: uuid.UUID
    status: str
    priority: str
    created: bool
    escalated: bool


async def attach_signal(
    session: AsyncSession, *, beacon_id: str, priority: str, now: datetime, window: timedelta
) -> Attachment:
    """Join the beacon's incident if its latest signal is within the window, else open one."""
    cutoff = now - window
    for _ in range(5):
        joined = await _join(session, beacon_id, now, cutoff)
        if joined is not None:
            incident_id, status, current = joined
            escalated = PRIORITY_RANK[current] < PRIORITY_RANK[priority] and await _escalate(
                session, incident_id, priority, now
            )
            return Attachment(
                incident_id, status, priority if escalated else current, False, escalated
            )
        await _close_stale_windows(session, beacon_id, cutoff)
        opened = await _try_open(session, beacon_id, priority, now)
        if opened is not None:
            await session.execute(conversations.insert().values(incident_id=opened, created_at=now))
            return Attachment(opened, CREATED, priority, True, False)
        # Another request opened it between our join and our insert: join that one.
    raise RuntimeError(f"could not open or join an incident at beacon {beacon_id}")


async def _join(
    session: AsyncSession, beacon_id: str, now: datetime, cutoff: datetime
) -> tuple[uuid.UUID, str, str] | None:
    statement = (
        update(incidents)
        .where(
            incidents.c.beacon_id == beacon_id,
            incidents.c.accepting_signals.is_(True),
            incidents.c.last_signal_at >= cutoff,
            incidents.c.status.not_in(CLOSED_STATUSES),
        )
        .values(last_signal_at=now, updated_at=now)
        .returning(incidents.c.id, incidents.c.status, incidents.c.priority)
    )
    row = (await session.execute(statement)).first()
    return (row.id, row.status, row.priority) if row else None


async def _close_stale_windows(session: AsyncSession, beacon_id: str, cutoff: datetime) -> None:
    """Idempotent and race-safe: whoever runs it, stale incidents stop taking signals."""
    await session.execute(
        update(incidents)
        .where(
            incidents.c.beacon_id == beacon_id,
            incidents.c.accepting_signals.is_(True),
            or_(incidents.c.last_signal_at < cutoff, incidents.c.status.in_(CLOSED_STATUSES)),
        )
        .values(accepting_signals=False)
    )


async def _try_open(
    session: AsyncSession, beacon_id: str, priority: str, now: datetime
) -> uuid.UUID | None:
    statement = (
        insert_for(session, incidents)
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
        .returning(incidents.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def _escalate(
    session: AsyncSession, incident_id: uuid.UUID, priority: str, now: datetime
) -> bool:
    """Compare-and-set: raise the priority only if it is lower; True when it was raised."""
    statement = (
        update(incidents)
        .where(incidents.c.id == incident_id, incidents.c.priority.in_(lower_priorities(priority)))
        .values(priority=priority, updated_at=now)
        .returning(incidents.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None
