"""The model registry: every trained version with its metrics; exactly one champion answers.

Statuses: `champion` (serving), `retired` (served before; `rollback` can bring it back),
`rejected` (a challenger that did not beat the champion; `promote` can still force it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.models import ModelVersion
from safewatch.core.errors import Conflict, NotFound

CHAMPION = "champion"
RETIRED = "retired"
REJECTED = "rejected"


async def champion(session: AsyncSession) -> ModelVersion | None:
    return await session.scalar(select(ModelVersion).where(ModelVersion.status == CHAMPION))


async def versions(session: AsyncSession, latest: int | None = None) -> list[ModelVersion]:
    """Oldest first; with `latest`, only the newest that many."""
    query = select(ModelVersion).order_by(ModelVersion.created_at.desc()).limit(latest)
    return list(reversed(list(await session.scalars(query))))


async def register(
    session: AsyncSession,
    version: str,
    *,
    artifact: str,
    metrics: dict[str, Any],
    trained_on: dict[str, Any],
    note: str,
    now: datetime,
) -> ModelVersion:
    row = ModelVersion(
        version=version,
        status=REJECTED,
        artifact=artifact,
        metrics=metrics,
        trained_on=trained_on,
        note=note,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def promote(session: AsyncSession, version: str, *, now: datetime) -> ModelVersion:
    """Make `version` the champion; the old champion retires. Safe against a racing promote."""
    row = await session.get(ModelVersion, version)
    if row is None:
        raise NotFound(f"No model version {version!r}")
    if row.status == CHAMPION:
        return row
    await session.execute(
        update(ModelVersion).where(ModelVersion.status == CHAMPION).values(status=RETIRED)
    )
    row.status, row.promoted_at = CHAMPION, now
    await session.flush()
    return row


async def rollback(session: AsyncSession, version: str, *, now: datetime) -> ModelVersion:
    """Bring back a version that served before (a retired one)."""
    row = await session.get(ModelVersion, version)
    if row is None:
        raise NotFound(f"No model version {version!r}")
    if row.status != RETIRED:
        raise Conflict(
            f"{version} is {row.status}; rollback returns to a retired champion "
            "(use promote for a version that never served)"
        )
    return await promote(session, version, now=now)
