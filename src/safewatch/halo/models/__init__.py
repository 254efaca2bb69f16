"""Halo's tables: its users, the public's incident reports (with Atlas's metadata), its jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from safewatch.core.auth.throttle import build_login_attempts_table
from safewatch.core.db import NAMING_CONVENTION, TYPE_ANNOTATION_MAP
from safewatch.core.jobs import build_jobs_table


class Base(DeclarativeBase):
    """Halo's own metadata: its tables, its migrations, nobody else's."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = TYPE_ANNOTATION_MAP


jobs = build_jobs_table(Base.metadata)
login_attempts = build_login_attempts_table(Base.metadata)

REPORTER, VALIDATOR = "reporter", "validator"
ROLES = (REPORTER, VALIDATOR)


class User(Base):
    """A signed-in Halo user. Reporters may also report anonymously; validators confirm or
    correct categories. Their names never leave Halo (scrubbed from texts sent to Atlas)."""

    __tablename__ = "halo_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class CrimeIncident(Base):
    """One report. `category`/`severity`/`confidence` are the current verdict; the atlas_*
    columns (the integration plan's) hold what Atlas said, filled at creation or by the sync."""

    __tablename__ = "crime_incidents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    incident_type: Mapped[str | None] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(Text)
    # The description without personal data: what Atlas receives and the public sees.
    scrubbed_description: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float]
    longitude: Mapped[float]
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("halo_users.id"))
    # "<reporter id or anonymous>:<the app's Idempotency-Key>": a retried report is stored once.
    client_key: Mapped[str | None] = mapped_column(String(160), unique=True)

    category: Mapped[str] = mapped_column(String(32))
    # The classifier's category (Atlas's once known, else the fallback's); `category` becomes
    # the validator's when there is one.
    predicted_category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int]
    confidence: Mapped[float]
    classification_source: Mapped[str] = mapped_column(String(16))  # atlas | fallback
    # Why creation did not use Atlas: atlas_unavailable (synced later), atlas_not_configured,
    # atlas_rejected or rollout (never sent).
    fallback_reason: Mapped[str | None] = mapped_column(String(24))

    atlas_threat_id: Mapped[uuid.UUID | None]
    atlas_classification: Mapped[dict[str, Any] | None]
    atlas_last_sync: Mapped[datetime | None]
    atlas_confidence: Mapped[float | None]
    atlas_severity: Mapped[int | None]

    validated_category: Mapped[str | None] = mapped_column(String(32))
    validated_by: Mapped[str | None] = mapped_column(String(120))
    validated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("halo_users.id"))
    validated_at: Mapped[datetime | None]
    # The validator's category differs from the one Halo had: the correction-rate KPI.
    corrected: Mapped[bool | None]
    validations: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("idx_atlas_threat_id", "atlas_threat_id"),
        Index("idx_atlas_sync", "atlas_last_sync"),
        Index("ix_crime_incidents_created_at", "created_at"),
        Index("ix_crime_incidents_latitude", "latitude"),
    )


__all__ = [
    "REPORTER",
    "ROLES",
    "VALIDATOR",
    "Base",
    "CrimeIncident",
    "User",
    "jobs",
    "login_attempts",
]
