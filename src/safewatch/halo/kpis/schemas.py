"""KPI shapes: each figure beside the integration plan's target."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Kpi(BaseModel):
    value: float | None = Field(description="null: nothing measured yet")
    target: str
    met: bool | None


class IncidentCounts(BaseModel):
    total: int
    atlas_at_creation: int
    fallback_atlas_unavailable: int
    fallback_rollout: int
    enriched: int = Field(description="Holding an Atlas threat id (at creation or synced later)")
    awaiting_sync: int
    validated: int
    corrected: int


class AtlasCalls(BaseModel):
    calls: int = Field(description="This process's last (up to 1,000) calls to Atlas")
    answered: int
    cooldown: str = Field(description="closed, open or half_open")


class Kpis(BaseModel):
    since: datetime | None = Field(description="Incidents counted from here (all when null)")
    classified_by_atlas: Kpi = Field(description="Share classified by Atlas at creation")
    fallback_share: Kpi
    atlas_latency_avg_ms: Kpi
    atlas_latency_p95_ms: Kpi
    atlas_availability: Kpi = Field(description="Share of calls Atlas answered, as Halo saw it")
    enrichment_share: Kpi = Field(description="Share of incidents holding Atlas intelligence")
    correction_rate: Kpi = Field(description="Share of validations that changed the category")
    incidents: IncidentCounts
    atlas_calls: AtlasCalls
