"""The incident timeline: append-only, one row per transition (who, when, why)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db import table_of
from safewatch.resq.models import IncidentEvent

events = table_of(IncidentEvent)


async def record(
    session: AsyncSession,
    incident_id: uuid.UUID,
    kind: str,
    *,
    actor: str,
    now: datetime,
    reason: str = "",
    **data: Any,
) -> None:
    await session.execute(
        events.insert().values(
            incident_id=incident_id,
            kind=kind,
            actor=actor,
            reason=reason,
            data=data,
            created_at=now,
        )
    )
