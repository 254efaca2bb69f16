"""Stored analyses: what was found in each upload, with the product and context it came with."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from safewatch.atlas.models import Base
from safewatch.core.db.base import JSONType


class MediaAnalysis(Base):
    __tablename__ = "media_analyses"
    __table_args__ = (
        Index("ix_media_analyses_occurred_lat_lon", "occurred_at", "latitude", "longitude"),
        Index("ix_media_analyses_category_occurred", "top_category", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    product: Mapped[str] = mapped_column(String(16), index=True)
    media_type: Mapped[str] = mapped_column(String(8))
    format: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int]
    duration_seconds: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    objects: Mapped[list[Any]] = mapped_column(JSONType)
    audio_events: Mapped[list[Any]] = mapped_column(JSONType)
    threats: Mapped[list[Any]] = mapped_column(JSONType)
    models: Mapped[list[Any]] = mapped_column(JSONType)
    privacy: Mapped[dict[str, Any]]
    warnings: Mapped[list[Any]] = mapped_column(JSONType)
    top_category: Mapped[str | None] = mapped_column(String(32))
    top_confidence: Mapped[float | None]
    # The threat-store row made from the strongest threat, so patterns and correlations see it.
    threat_id: Mapped[uuid.UUID | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    occurred_at: Mapped[datetime]
    incident_type: Mapped[str | None] = mapped_column(String(48))
    reference: Mapped[str | None] = mapped_column(String(120))
    context: Mapped[dict[str, Any]]  # the caller's context as sent (validated)
    created_at: Mapped[datetime]


class MediaFile(Base):
    """The sanitised photo: re-encoded from pixels (no metadata), faces blurred if configured."""

    __tablename__ = "media_files"

    analysis_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media_analyses.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
