"""Intelligence API: patterns near a place and what to do about them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from safewatch.atlas.deps import Ctx, Product
from safewatch.atlas.patterns import service
from safewatch.contracts.atlas.patterns import PatternsOut, RecommendationsOut

router = APIRouter(prefix="/api/v1/intelligence", tags=["Intelligence patterns"])


async def pattern_query(
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude of the place")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude of the place")],
    radius_km: Annotated[
        float, Query(gt=0, le=50, description="Circle around the place, up to 50 km")
    ] = 5.0,
    time_range: Annotated[
        Literal["7d", "30d"], Query(description="The window patterns were found in")
    ] = "7d",
    min_significance: Annotated[
        float, Query(ge=0, le=1, description="Only patterns at least this significant (0-1)")
    ] = 0.7,
    threat_types: Annotated[
        str | None,
        Query(max_length=400, description="Comma list of threat categories, e.g. violence,theft"),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=100, description="At most this many, most significant first")
    ] = 50,
) -> service.PatternQuery:
    return service.PatternQuery(
        lat,
        lon,
        radius_km,
        time_range,
        min_significance,
        service.parse_threat_types(threat_types),
        limit,
    )


Near = Annotated[service.PatternQuery, Depends(pattern_query)]


@router.get(
    "/patterns",
    response_model=PatternsOut,
    summary="Intelligence patterns near a place (auth: a product key)",
)
async def get_patterns(
    query: Near,
    product: Product,
    ctx: Ctx,
) -> PatternsOut:
    """Auth rule: a product key. Hotspots (Gi* over H3 cells), emerging places (rate against
    their own 12 weeks), repeat series (Knox), cross-product clusters and time-of-day
    concentrations found by the periodic job in every product's threats, whose centre or
    extent lies in the circle; plus live counts per threat type in it."""
    async with ctx.db.sessions() as session:
        return await service.patterns_near(session, query, ctx.clock.now())


@router.get(
    "/recommendations",
    response_model=RecommendationsOut,
    summary="Advice from the patterns near a place (auth: a product key)",
)
async def get_recommendations(
    query: Near,
    product: Product,
    ctx: Ctx,
) -> RecommendationsOut:
    """Auth rule: a product key. Same parameters as /patterns; one short line of advice per
    pattern, e.g. "5 theft reports within 300 m of ... in 7 days, mostly 16-20h: lock bikes in
    a guarded rack ..."."""
    async with ctx.db.sessions() as session:
        return await service.recommendations_near(session, query)
