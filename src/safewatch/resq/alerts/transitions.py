"""An alert's life as one table of allowed moves, and the one compare-and-set that makes them.

An alert is SENT until its guard accepts (ACKNOWLEDGED) or declines (DECLINED), another guard
takes the incident or it closes (CLOSED), or escalation or an unreachable phone passes it on
(EXPIRED). Every move is `UPDATE ... WHERE status = <from> RETURNING id`, so of two racing
moves exactly one wins and the loser sees no row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.resq.models import GuardAlert

SENT, ACKNOWLEDGED, DECLINED = "SENT", "ACKNOWLEDGED", "DECLINED"
CLOSED, EXPIRED = "CLOSED", "EXPIRED"
OPEN_ALERT_STATUSES = (SENT, ACKNOWLEDGED)

ALERT_MOVES: frozenset[tuple[str, str]] = frozenset(
    {(SENT, ACKNOWLEDGED), (SENT, DECLINED), (SENT, EXPIRED), (SENT, CLOSED)}
)

alerts = table_of(GuardAlert)


class IllegalAlertMove(RuntimeError):
    """A programming error: code asked for a move the table does not allow."""


async def move_alerts(
    session: AsyncSession,
    which: ColumnElement[bool],
    *,
    from_: str,
    to: str,
    now: datetime,
) -> list[int]:
    """Move the alerts matching `which` that are still `from_` to `to`; the ids moved."""
    if (from_, to) not in ALERT_MOVES:
        raise IllegalAlertMove(f"an alert may not move from {from_} to {to}")
    moved = await session.execute(
        update(alerts)
        .where(which, alerts.c.status == from_)
        .values(status=to, updated_at=now)
        .returning(alerts.c.id)
    )
    return list(moved.scalars().all())


async def move_alert(
    session: AsyncSession, alert_id: int, *, from_: str, to: str, now: datetime
) -> bool:
    """Move one alert; False when it was no longer `from_` (another move won)."""
    return bool(await move_alerts(session, alerts.c.id == alert_id, from_=from_, to=to, now=now))


async def move_open_alerts(
    session: AsyncSession, incident_id: uuid.UUID, *, to: str, now: datetime
) -> list[int]:
    """Move every alert of the incident still SENT to `to`; the ids moved."""
    return await move_alerts(
        session, alerts.c.incident_id == incident_id, from_=SENT, to=to, now=now
    )
