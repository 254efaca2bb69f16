"""The push ledger (`notifications`): one row per push ResQ decided to send, written in the
transaction that enqueues its job. Its unique (alert, reason) is the de-duplication record, and
the push cap counts its rows, so neither depends on how long the job queue keeps finished jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.core.db.dialect import insert_for
from safewatch.resq.models import GuardAlert, Notification

notifications = table_of(Notification)
alerts = table_of(GuardAlert)


async def record_notifications(
    session: AsyncSession, alert_ids: Sequence[int], *, reason: str, now: datetime
) -> list[int]:
    """Note a push of these alerts for `reason`; the alerts not pushed for it before, in order.
    The unique constraint decides, so concurrent callers never both get the same alert."""
    if not alert_ids:
        return []
    columns = ["alert_id", "incident_id", "guard_id", "reason", "created_at"]
    c = notifications.c
    source = select(
        alerts.c.id,
        alerts.c.incident_id,
        alerts.c.guard_id,
        literal(reason, c.reason.type),
        literal(now, c.created_at.type),  # the column's type: UTC, stored alike on both
    ).where(alerts.c.id.in_(alert_ids))
    statement = (
        insert_for(session, notifications)
        .from_select(columns, source)
        .on_conflict_do_nothing(index_elements=["alert_id", "reason"])
        .returning(c.alert_id)
    )
    fresh = set((await session.execute(statement)).scalars().all())
    return [alert_id for alert_id in alert_ids if alert_id in fresh]


async def notification_counts(session: AsyncSession, alert_ids: Sequence[int]) -> dict[int, int]:
    """How many pushes each alert has had (or has queued), for any reason."""
    if not alert_ids:
        return {}
    rows = await session.execute(
        select(notifications.c.alert_id, func.count())
        .where(notifications.c.alert_id.in_(alert_ids))
        .group_by(notifications.c.alert_id)
    )
    counts = {int(alert_id): int(count) for alert_id, count in rows.all()}
    return {alert_id: counts.get(alert_id, 0) for alert_id in alert_ids}
