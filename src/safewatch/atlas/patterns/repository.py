"""Pattern queries: the threats a run needs, replacing a run's patterns, patterns near a point."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.geo import bounding_box, haversine_km
from safewatch.atlas.models import Threat
from safewatch.atlas.patterns.detect import Events, Found
from safewatch.atlas.patterns.models import Pattern

# Patterns are kept this far beyond the circle's box, so a wide pattern that reaches in is seen.
MAX_REACH_KM = 3.0


async def load_events(session: AsyncSession, since: datetime, until: datetime) -> Events:
    """Located threats in (since, until] as columns."""
    rows = (
        await session.execute(
            select(
                Threat.id,
                Threat.latitude,
                Threat.longitude,
                Threat.occurred_at,
                Threat.category,
                Threat.product,
            ).where(
                Threat.occurred_at > since,
                Threat.occurred_at <= until,
                Threat.latitude.is_not(None),
                Threat.longitude.is_not(None),
            )
        )
    ).all()
    return Events(
        np.array([str(r[0]) for r in rows], dtype=object),
        np.array([r[1] for r in rows], dtype=float),
        np.array([r[2] for r in rows], dtype=float),
        np.array([r[3].timestamp() for r in rows], dtype=float),
        np.array([r[4] for r in rows], dtype=object),
        np.array([r[5] for r in rows], dtype=object),
    )


async def replace(
    session: AsyncSession, time_range: str, found: Sequence[Found], now: datetime
) -> None:
    """One time range's patterns, swapped in one transaction: readers see the old or the new."""
    await session.execute(delete(Pattern).where(Pattern.time_range == time_range))
    rows = [
        {
            "time_range": time_range,
            "type": f.type,
            "category": f.threat_types[0],
            "threat_types": f.threat_types,
            "latitude": f.latitude,
            "longitude": f.longitude,
            "radius_m": f.radius_m,
            "cells": f.cells,
            "window_start": f.window_start,
            "window_end": f.window_end,
            "count": f.count,
            "significance": f.significance,
            "products": f.products,
            "example_ids": f.example_ids,
            "description": f.description,
            "details": f.details,
            "computed_at": now,
        }
        for f in found
    ]
    if rows:
        await session.execute(insert(Pattern), rows)


async def near(
    session: AsyncSession,
    lat: float,
    lon: float,
    radius_km: float,
    time_range: str,
    min_significance: float,
    categories: Sequence[str],
) -> list[tuple[Pattern, float]]:
    """(pattern, distance in km from the point to its centre) for patterns reaching the circle,
    most significant first."""
    south, north, west, east = bounding_box(lat, lon, radius_km + MAX_REACH_KM)
    query = select(Pattern).where(
        Pattern.time_range == time_range,
        Pattern.latitude.between(south, north),
        Pattern.longitude.between(west, east),
        Pattern.significance >= min_significance,
    )
    if categories:
        query = query.where(Pattern.category.in_(categories))
    found = []
    for pattern in await session.scalars(query):
        distance = haversine_km(lat, lon, pattern.latitude, pattern.longitude)
        if distance - pattern.radius_m / 1000 <= radius_km:
            found.append((pattern, distance))
    found.sort(key=lambda pd: (-pd[0].significance, -pd[0].count, pd[1]))
    return found


async def live_counts(
    session: AsyncSession,
    lat: float,
    lon: float,
    radius_km: float,
    since: datetime,
    categories: Sequence[str],
) -> dict[str, int]:
    """Threats per category in the circle's bounding box since a time. Counted here, not with
    GROUP BY: for a GROUP BY, SQLite walks the (category, occurred_at) index over the whole
    table (140 ms at 1 M threats) instead of the time range (a few ms)."""
    south, north, west, east = bounding_box(lat, lon, radius_km)
    query = select(Threat.category).where(
        Threat.occurred_at >= since,
        Threat.latitude.between(south, north),
        Threat.longitude.between(west, east),
    )
    if categories:
        query = query.where(Threat.category.in_(categories))
    return dict(Counter(await session.scalars(query)).most_common())
