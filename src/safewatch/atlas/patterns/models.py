"""Stored patterns: what the periodic job found, read by the API inside a circle."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safewatch.atlas.models import Base
from safewatch.core.db.base import JSONType


class Pattern(Base):
    """One detected pattern of one run; a run replaces all patterns of its time range."""

    __tablename__ = "patterns"
    __table_args__ = (Index("ix_patterns_range_lat_lon", "time_range", "latitude", "longitude"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    time_range: Mapped[str] = mapped_column(String(8))  # "7d" or "30d"
    type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))  # the first of threat_types, to filter
    threat_types: Mapped[list[str]] = mapped_column(JSONType)
    latitude: Mapped[float]
    longitude: Mapped[float]
    radius_m: Mapped[float]
    cells: Mapped[list[str]] = mapped_column(JSONType)  # H3 cells covered, for cell-based types
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    count: Mapped[int]
    significance: Mapped[float]
    products: Mapped[list[str]] = mapped_column(JSONType)
    example_ids: Mapped[list[str]] = mapped_column(JSONType)
    description: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    computed_at: Mapped[datetime]
