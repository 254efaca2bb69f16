"""KPIs from the incidents table (durable, every process) and the Atlas client (this process)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas_client import CallSummary
from safewatch.halo.incidents.service import ROLLOUT, UNAVAILABLE
from safewatch.halo.kpis.schemas import AtlasCalls, IncidentCounts, Kpi, Kpis
from safewatch.halo.models import CrimeIncident


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def incident_counts(session: AsyncSession, since: datetime | None) -> IncidentCounts:
    t = CrimeIncident
    query = select(
        func.count(),
        _count(t.fallback_reason.is_(None)),
        _count(t.fallback_reason == UNAVAILABLE),
        _count(t.fallback_reason == ROLLOUT),
        _count(t.atlas_threat_id.is_not(None)),
        _count((t.fallback_reason == UNAVAILABLE) & t.atlas_threat_id.is_(None)),
        _count(t.validated_category.is_not(None)),
        _count(t.corrected.is_(True)),
    )
    if since is not None:
        query = query.where(t.created_at >= since)
    row = (await session.execute(query)).one()
    names = IncidentCounts.model_fields
    return IncidentCounts(**dict(zip(names, (int(v) for v in row), strict=True)))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _kpi(value: float | None, target: str, met: bool | None) -> Kpi:
    return Kpi(value=value, target=target, met=None if value is None else met)


def build(counts: IncidentCounts, calls: CallSummary, since: datetime | None) -> Kpis:
    atlas = _share(counts.atlas_at_creation, counts.total)
    fallback = _share(counts.total - counts.atlas_at_creation, counts.total)
    enriched = _share(counts.enriched, counts.total)
    corrections = _share(counts.corrected, counts.validated)
    avg, p95, up = calls.latency_avg_ms, calls.latency_p95_ms, calls.availability
    return Kpis(
        since=since,
        classified_by_atlas=_kpi(atlas, ">= 0.95", atlas is not None and atlas >= 0.95),
        fallback_share=_kpi(fallback, "<= 0.05", fallback is not None and fallback <= 0.05),
        atlas_latency_avg_ms=_kpi(
            round(avg, 1) if avg is not None else None, "< 200", avg is not None and avg < 200
        ),
        atlas_latency_p95_ms=_kpi(round(p95, 1) if p95 is not None else None, "(no target)", None),
        atlas_availability=_kpi(up, ">= 0.995", up is not None and up >= 0.995),
        enrichment_share=_kpi(enriched, ">= 0.90", enriched is not None and enriched >= 0.9),
        correction_rate=_kpi(corrections, "(lower is better)", None),
        incidents=counts,
        atlas_calls=AtlasCalls(
            calls=calls.calls, answered=calls.answered, cooldown=calls.cooldown_state
        ),
    )
