"""Patterns answer: the integration plan's two lists, as Atlas gave them, and how fresh."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from safewatch.contracts.atlas.patterns import PatternOut, Recommendation


class PatternsOut(BaseModel):
    patterns: list[PatternOut]
    recommendations: list[Recommendation]
    stale: bool = Field(description="true: Atlas is unavailable; this is the last answer (or none)")
    fetched_at: datetime | None = Field(description="When Atlas gave this answer")
