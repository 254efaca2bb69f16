"""Threat store queries: by id, by idempotency key, and near a point in space and time."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.models import Threat

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """A lat/lon box around the circle, for an index range scan before the exact distance."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


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
