"""Patterns near a point from Atlas, cached briefly; the last answer (stale) when it is away."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from safewatch.atlas_client import AtlasClient, AtlasUnavailableError
from safewatch.halo.intelligence.cache import PatternCache
from safewatch.halo.intelligence.schemas import PatternsOut


def cache_key(lat: float, lon: float, radius_km: float, time_range: str) -> tuple[Any, ...]:
    """About 100 m of rounding: neighbours share one cached answer."""
    return (round(lat, 3), round(lon, 3), round(radius_km, 1), time_range)


async def nearby(
    atlas: AtlasClient,
    cache: PatternCache,
    lat: float,
    lon: float,
    radius_km: float,
    time_range: str,
    now: datetime,
) -> PatternsOut:
    key = cache_key(lat, lon, radius_km, time_range)
    hit = cache.fresh(key)
    if hit is not None:
        return PatternsOut(**hit.value, stale=False, fetched_at=hit.fetched_at)
    try:
        answer = await atlas.get_patterns((lat, lon), radius_km, time_range)
        recommendations = await atlas.get_recommendations((lat, lon), radius_km, time_range)
    except AtlasUnavailableError:
        old = cache.stale(key)
        if old is None:
            return PatternsOut(patterns=[], recommendations=[], stale=True, fetched_at=None)
        return PatternsOut(**old.value, stale=True, fetched_at=old.fetched_at)
    value = {"patterns": answer.patterns, "recommendations": recommendations}
    cache.put(key, value, now)
    return PatternsOut(**value, stale=False, fetched_at=now)
