"""Patterns near a point (stored by the periodic job) with live counts, and their advice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.patterns import repository
from safewatch.atlas.patterns.advice import advise
from safewatch.atlas.patterns.models import Pattern
from safewatch.contracts.atlas.classify import NearbyPattern
from safewatch.contracts.atlas.patterns import (
    PatternOut,
    PatternsOut,
    Recommendation,
    RecommendationsOut,
)
from safewatch.contracts.taxonomy import CATEGORIES
from safewatch.core.errors import AppError

TIME_RANGES = {"7d": 7, "30d": 30}


@dataclass(frozen=True)
class PatternQuery:
    lat: float
    lon: float
    radius_km: float
    time_range: str
    min_significance: float
    threat_types: tuple[str, ...]
    limit: int = 50

    @property
    def days(self) -> int:
        return TIME_RANGES[self.time_range]


def parse_threat_types(raw: str | None) -> tuple[str, ...]:
    """ "violence, theft" -> ("violence", "theft"); an unknown name is the caller's to fix."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in (raw or "").split(",") if n.strip()))
    unknown = [n for n in names if n not in CATEGORIES]
    if unknown:
        raise AppError(
            f"threat_types has {', '.join(map(repr, unknown))}: use a comma list of "
            f"{', '.join(CATEGORIES)}",
            status=422,
            code="unknown_threat_type",
        )
    return names


async def patterns_near(session: AsyncSession, query: PatternQuery, now: datetime) -> PatternsOut:
    found = await repository.near(
        session,
        query.lat,
        query.lon,
        query.radius_km,
        query.time_range,
        query.min_significance,
        query.threat_types,
    )
    since = now - timedelta(days=query.days)
    live = await repository.live_counts(
        session, query.lat, query.lon, query.radius_km, since, query.threat_types
    )
    patterns = [_out(p, d) for p, d in found[: query.limit]]
    computed = max((p.computed_at for p, _ in found), default=None)
    return PatternsOut(
        patterns=patterns, count=len(patterns), live_counts=live, computed_at=computed
    )


async def recommendations_near(session: AsyncSession, query: PatternQuery) -> RecommendationsOut:
    """One piece of advice per pattern (time-of-day patterns lend their hours to the others of
    their threat type instead of standing alone when there are such others)."""
    found = [
        p
        for p, _ in await repository.near(
            session,
            query.lat,
            query.lon,
            query.radius_km,
            query.time_range,
            query.min_significance,
            query.threat_types,
        )
    ]
    hours: dict[str, str | None] = {}
    for p in found:
        if p.type == "time_of_day":
            hours.setdefault(p.category, p.details.get("peak_hours"))
    others = {p.category for p in found if p.type != "time_of_day"}
    advice = [
        Recommendation(
            pattern_id=p.id,
            type=p.type,  # type: ignore[arg-type]
            threat_types=p.threat_types,
            significance=p.significance,
            text=advise(p, hours.get(p.category)),
        )
        for p in found
        if p.type != "time_of_day" or p.category not in others
    ][: query.limit]
    return RecommendationsOut(recommendations=advice, count=len(advice))


async def nearby_stored(
    session: AsyncSession, lat: float, lon: float, radius_km: float, min_significance: float
) -> list[NearbyPattern]:
    """The last week's stored patterns near a point, as a classified threat's answer lists
    them (the classify domain's one way in: it never reads the patterns table itself)."""
    found = await repository.near(session, lat, lon, radius_km, "7d", min_significance, ())
    return [
        NearbyPattern(
            pattern_type=p.type,  # type: ignore[arg-type]
            threat_category=p.category,
            count=p.count,
            radius_km=round(p.radius_m / 1000, 3),
            time_range=p.time_range,
            pattern_id=p.id,
            significance=p.significance,
            description=p.description,
        )
        for p, _ in found[:20]
    ]


def _out(p: Pattern, distance_km: float) -> PatternOut:
    return PatternOut(
        id=p.id,
        type=p.type,  # type: ignore[arg-type]
        threat_types=p.threat_types,
        latitude=p.latitude,
        longitude=p.longitude,
        radius_m=p.radius_m,
        cells=p.cells,
        distance_km=round(distance_km, 3),
        time_range=p.time_range,
        window_start=p.window_start,
        window_end=p.window_end,
        count=p.count,
        significance=p.significance,
        products=p.products,
        example_threat_ids=p.example_ids,
        description=p.description,
        details=p.details,
    )
