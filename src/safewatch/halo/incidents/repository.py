"""Incident queries."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.contracts.atlas import StoredThreatOut
from safewatch.halo.models import CrimeIncident, User

KM_PER_DEGREE = 111.2


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    radius_km: float


async def get_with_reporter(
    session: AsyncSession, incident_id: uuid.UUID
) -> tuple[CrimeIncident, str | None] | None:
    row = (
        await session.execute(
            select(CrimeIncident, User.username)
            .outerjoin(User, User.id == CrimeIncident.reporter_id)
            .where(CrimeIncident.id == incident_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def search(
    session: AsyncSession,
    *,
    near: Near | None,
    since: datetime | None,
    category: str | None,
    limit: int,
    offset: int,
) -> list[tuple[CrimeIncident, str | None]]:
    """Newest first. Near a point: an equirectangular distance (plain arithmetic, the same on
    SQLite and PostgreSQL; within 0.5 % of the great circle at these radii)."""
    query = select(CrimeIncident, User.username).outerjoin(
        User, User.id == CrimeIncident.reporter_id
    )
    if near is not None:
        reach = near.radius_km / KM_PER_DEGREE
        squeeze = math.cos(math.radians(near.latitude))
        dlat = CrimeIncident.latitude - near.latitude
        dlon = (CrimeIncident.longitude - near.longitude) * squeeze
        query = query.where(
            CrimeIncident.latitude.between(near.latitude - reach, near.latitude + reach),
            dlat * dlat + dlon * dlon <= reach * reach,
        )
    if since is not None:
        query = query.where(CrimeIncident.created_at >= since)
    if category is not None:
        query = query.where(CrimeIncident.category == category)
    query = query.order_by(CrimeIncident.created_at.desc(), CrimeIncident.id.desc())
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return [(row[0], row[1]) for row in rows]


async def apply_atlas(
    session: AsyncSession, incident_id: uuid.UUID, answer: StoredThreatOut, now: datetime
) -> bool:
    """Fill the atlas columns once; Atlas's category becomes the incident's unless a validator
    already decided. Conditional updates, so a concurrent validation is never overwritten."""
    c = answer.classification
    t = CrimeIncident
    filled = await session.execute(
        update(t)
        .where(and_(t.id == incident_id, t.atlas_threat_id.is_(None)))
        .values(
            atlas_threat_id=answer.threat_id,
            atlas_classification=c.model_dump(),
            atlas_confidence=c.confidence,
            atlas_severity=c.severity,
            atlas_last_sync=now,
            predicted_category=c.threat_category,
            updated_at=now,
        )
    )
    if not filled.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(t)
        .where(and_(t.id == incident_id, t.validated_category.is_(None)))
        .values(
            category=c.threat_category,
            severity=c.severity,
            confidence=c.confidence,
            classification_source="atlas",
        )
    )
    return True


async def give_up_sync(session: AsyncSession, incident_id: uuid.UUID, reason: str) -> None:
    """Atlas refused the sync for good: the incident stops saying a sync is coming."""
    t = CrimeIncident
    await session.execute(
        update(t)
        .where(and_(t.id == incident_id, t.atlas_threat_id.is_(None)))
        .values(fallback_reason=reason)
    )
