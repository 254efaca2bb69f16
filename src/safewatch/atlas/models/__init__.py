"""Atlas's tables: product keys, the threat store, feedback and the model registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from safewatch.core.db import NAMING_CONVENTION, TYPE_ANNOTATION_MAP
from safewatch.core.jobs import build_jobs_table


class Base(DeclarativeBase):
    """Atlas's own metadata: its tables, its migrations, nobody else's."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = TYPE_ANNOTATION_MAP


jobs = build_jobs_table(Base.metadata)


class ApiKey(Base):
    """A product's API key made by `safewatch atlas keys create`; only its SHA-256 is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(24))  # shown in listings to tell keys apart
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Threat(Base):
    """One classified text: what any product's patterns and correlations are made of."""

    __tablename__ = "threats"
    __table_args__ = (
        UniqueConstraint("product", "idempotency_key"),
        # Space-time queries: a time range first, then a lat/lon box.
        Index("ix_threats_occurred_lat_lon", "occurred_at", "latitude", "longitude"),
        Index("ix_threats_category_occurred", "category", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    product: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text)  # scrubbed of contact details and ids
    category: Mapped[str] = mapped_column(String(32))
    subcategory: Mapped[str] = mapped_column(String(48))
    severity: Mapped[int]
    confidence: Mapped[float]
    halo_incident_type: Mapped[str] = mapped_column(String(48))
    polisen_type: Mapped[str] = mapped_column(String(80))
    scores: Mapped[list[float]]  # class probabilities in CATEGORIES order: "meaning" for matching
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    occurred_at: Mapped[datetime]
    model_version: Mapped[str] = mapped_column(String(40))
    incident_type: Mapped[str | None] = mapped_column(String(48))
    reference: Mapped[str | None] = mapped_column(String(120))  # the caller's own id, if sent
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Feedback(Base):
    """A product's verdict on one prediction; one row per (product, prediction), latest wins."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("product", "prediction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(16))
    prediction_id: Mapped[uuid.UUID] = mapped_column(index=True)
    text: Mapped[str] = mapped_column(Text)  # the threat's scrubbed text, the training input
    predicted_category: Mapped[str] = mapped_column(String(32))
    actual_category: Mapped[str] = mapped_column(String(32))
    user_correction: Mapped[bool]
    corrected_by: Mapped[str | None] = mapped_column(String(120))
    corrected_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class ModelVersion(Base):
    """A trained model in the registry; its artifact lives in the model directory."""

    __tablename__ = "model_versions"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # see training/registry.py
    artifact: Mapped[str] = mapped_column(String(200))
    metrics: Mapped[dict[str, Any]]
    trained_on: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    promoted_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")


__all__ = ["ApiKey", "Base", "Feedback", "ModelVersion", "Threat", "jobs"]
