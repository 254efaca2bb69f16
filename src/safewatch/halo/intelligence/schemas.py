"""Patterns answer: the integration plan's two lists, and how fresh they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class PatternsOut(BaseModel):
    patterns: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    stale: bool = Field(description="true: Atlas is unavailable; this is the last answer (or none)")
    fetched_at: datetime | None = Field(description="When Atlas gave this answer")
