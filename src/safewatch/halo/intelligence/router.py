"""GET /api/v1/intelligence/patterns: what Atlas sees near a point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from safewatch.halo.deps import Ctx
from safewatch.halo.intelligence import service
from safewatch.halo.intelligence.schemas import PatternsOut

router = APIRouter(prefix="/api/v1/intelligence", tags=["Intelligence"])


@router.get(
    "/patterns",
    response_model=PatternsOut,
    summary="Intelligence patterns and recommendations near a point (auth: public)",
)
async def patterns(
    ctx: Ctx,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_km: Annotated[float, Query(gt=0, le=50)] = 5.0,
    time_range: Annotated[str, Query(pattern=r"^\d{1,3}[dh]$", description="e.g. 7d, 24h")] = "7d",
) -> PatternsOut:
    """From Atlas, cached for `HALO_PATTERNS_CACHE_SECONDS`. When Atlas is unavailable: the
    last answer for the area marked `stale`, or empty lists."""
    return await service.nearby(
        ctx.atlas, ctx.patterns, lat, lon, radius_km, time_range, ctx.clock.now()
    )
