"""Threat store queries: by id, by idempotency key, and near a point in space and time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.geo import bounding_box, haversine_km
from safewatch.atlas.models import Threat


async def get_owned(session: AsyncSession, threat_id: uuid.UUID, product: str) -> Threat | None:
    threat = await session.get(Threat, threat_id)
    return threat if threat is not None and threat.product == product else None


async def by_idempotency_keys(
    session: AsyncSession, product: str, keys: Sequence[str]
) -> dict[str, Threat]:
    if not keys:
        return {}
    rows = await session.scalars(
        select(Threat).where(Threat.product == product, Threat.idempotency_key.in_(keys))
    )
    return {row.idempotency_key: row for row in rows if row.idempotency_key}


async def near(
    session: AsyncSession,
    lat: float,
    lon: float,
    radius_km: float,
    since: datetime,
    until: datetime,
    *,
    limit: int = 500,
) -> list[Threat]:
    """Threats in the box and time range, newest first; callers apply the exact distance."""
    south, north, west, east = bounding_box(lat, lon, radius_km)
    rows = await session.scalars(
        select(Threat)
        .where(
            Threat.occurred_at.between(since, until),
            Threat.latitude.between(south, north),
            Threat.longitude.between(west, east),
        )
        .order_by(Threat.occurred_at.desc())
        .limit(limit)
    )
    return [
        t
        for t in rows
        if t.latitude is not None
        and t.longitude is not None
        and haversine_km(lat, lon, t.latitude, t.longitude) <= radius_km
    ]


async def category_activity(
    session: AsyncSession, lat: float, lon: float, radius_km: float, since: datetime
) -> list[tuple[str, int, int, datetime]]:
    """(category, count, max severity, latest) for threats in the box since a time."""
    south, north, west, east = bounding_box(lat, lon, radius_km)
    rows = await session.execute(
        select(
            Threat.category,
            func.count(),
            func.max(Threat.severity),
            func.max(Threat.occurred_at),
        )
        .where(
            Threat.occurred_at >= since,
            Threat.latitude.between(south, north),
            Threat.longitude.between(west, east),
        )
        .group_by(Threat.category)
        .order_by(func.count().desc())
    )
    return [(c, int(n), int(s), latest) for c, n, s, latest in rows]


def window(center: datetime, hours: float) -> tuple[datetime, datetime]:
    delta = timedelta(hours=hours)
    return center - delta, center + delta
