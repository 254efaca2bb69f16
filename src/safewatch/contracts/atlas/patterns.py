"""Patterns API shapes: the integration plan's query and `{"patterns": [...], "count": n}`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

PatternType = Literal["hotspot", "emerging", "repeat_series", "cross_product", "time_of_day"]


class PatternOut(BaseModel):
    id: uuid.UUID
    type: PatternType
    threat_types: list[str]
    latitude: float = Field(description="Centre of the pattern")
    longitude: float
    radius_m: float = Field(description="Reach from the centre that holds its events")
    cells: list[str] = Field(description="H3 cells it covers (hotspot, emerging, time_of_day)")
    distance_km: float = Field(description="From the point asked about to the centre")
    time_range: str
    window_start: datetime
    window_end: datetime
    count: int
    significance: float = Field(
        description="1 minus the p-value corrected for the number of places tested (0-1)"
    )
    products: list[str]
    example_threat_ids: list[str]
    description: str
    details: dict[str, object] = Field(description="The test's own figures (z, ratio, hours)")


class PatternsOut(BaseModel):
    patterns: list[PatternOut]
    count: int
    live_counts: dict[str, int] = Field(
        description="Threats of each type in the box around the circle in the time range, now"
    )
    computed_at: datetime | None = Field(description="When the stored patterns were computed")


class Recommendation(BaseModel):
    pattern_id: uuid.UUID
    type: PatternType
    threat_types: list[str]
    significance: float
    text: str


class RecommendationsOut(BaseModel):
    recommendations: list[Recommendation]
    count: int
