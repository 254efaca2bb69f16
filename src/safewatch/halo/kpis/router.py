"""GET /api/v1/kpis: the integration plan's success metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from safewatch.core.clock import as_utc
from safewatch.core.requests import IsoDateTime
from safewatch.halo.deps import Ctx, Validator
from safewatch.halo.kpis import service
from safewatch.halo.kpis.schemas import Kpis

router = APIRouter(prefix="/api/v1", tags=["KPIs"])


@router.get("/kpis", response_model=Kpis, summary="Atlas integration KPIs (auth: validator)")
async def kpis(
    _: Validator,
    ctx: Ctx,
    since: Annotated[IsoDateTime | None, Query(description="Count incidents from here")] = None,
) -> Kpis:
    """Shares come from the incidents table; Atlas latency and availability from this process's
    last 1,000 calls (Prometheus has every process's: `safewatch_atlas_client_seconds`)."""
    start = as_utc(since) if since else None
    async with ctx.db.sessions() as session:
        counts = await service.incident_counts(session, start)
    return service.build(counts, ctx.atlas.summary(), start)
