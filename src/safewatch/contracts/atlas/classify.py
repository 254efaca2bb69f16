"""Classify API shapes: the integration plan's request body and Atlas's answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from safewatch.contracts.taxonomy import CATEGORIES
from safewatch.contracts.threats import Classification
from safewatch.core.requests import IsoDateTime, RequestModel


class ThreatContext(RequestModel):
    latitude: float | None = Field(None, ge=-90, le=90, examples=[59.3293])
    longitude: float | None = Field(None, ge=-180, le=180, examples=[18.0686])
    timestamp: IsoDateTime | None = Field(
        None, description="When it happened (ISO 8601; no offset means UTC). Default: now."
    )
    source_product: str | None = Field(None, max_length=16, examples=["halo"])
    incident_type: str | None = Field(None, max_length=48, examples=["assault"])
    reference: str | None = Field(
        None, max_length=120, description="Your own id for this report, stored with the threat."
    )


class ClassifyOptions(RequestModel):
    include_nearby_patterns: bool = False
    correlation_threshold: float = Field(0.7, ge=0, le=1)
    store: bool = Field(
        True,
        description="true (products): keep the text as a threat, which patterns, correlations "
        "and GET /api/v1/threats/{id} then see. false (trying a text out, as the operator "
        "console does): answer only; Atlas keeps nothing, `threat_id` is null and the "
        "Idempotency-Key is not remembered (a retry classifies again).",
    )


class ClassifyRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "text",
                    "data": "Fight outside bar",
                    "context": {
                        "latitude": 59.3293,
                        "longitude": 18.0686,
                        "timestamp": "2026-11-22T19:15:00",
                        "source_product": "halo",
                        "incident_type": None,
                    },
                    "options": {"include_nearby_patterns": True, "correlation_threshold": 0.7},
                }
            ]
        }
    )

    type: Literal["text"] = Field(description='Only "text" here; media goes to /analyze/media.')
    data: str = Field(min_length=1, description="The incident description, any language.")
    context: ThreatContext = Field(default_factory=ThreatContext)
    options: ClassifyOptions = Field(default_factory=ClassifyOptions)


class BatchRequest(RequestModel):
    items: list[ClassifyRequest] = Field(min_length=1)


class NearbyPattern(BaseModel):
    """A stored pattern (hotspot, emerging, ...) near the threat, or plain category activity."""

    pattern_type: Literal[
        "category_activity", "hotspot", "emerging", "repeat_series", "cross_product", "time_of_day"
    ] = "category_activity"
    threat_category: str
    count: int
    max_severity: int | None = None
    radius_km: float
    time_range: str
    latest_at: datetime | None = None
    pattern_id: uuid.UUID | None = None
    significance: float | None = None
    description: str | None = None


class Correlation(BaseModel):
    threat_id: uuid.UUID
    source_product: str
    threat_category: str
    severity: int
    score: float = Field(description="0-1: nearness in meaning (half), space and time")
    distance_km: float
    hours_apart: float
    occurred_at: datetime


class ThreatOut(BaseModel):
    threat_id: uuid.UUID | None = Field(
        description="The stored threat (GET /api/v1/threats/{id}); null when options.store "
        "was false, as nothing was stored."
    )
    classification: Classification
    model_version: str
    source_product: str
    occurred_at: datetime
    latitude: float | None = None  # absent, not null, when unknown (exclude_none)
    longitude: float | None = None
    reference: str | None = None
    nearby_patterns: list[NearbyPattern] | None = None
    correlations: list[Correlation] | None = None

    @field_validator("classification")
    @classmethod
    def _known_category(cls, value: Classification) -> Classification:
        # A caller stores and shows the category as a verdict: one outside the taxonomy is garbage.
        if value.threat_category not in CATEGORIES:
            raise ValueError(f"unknown threat category {value.threat_category!r}")
        return value

    # No return annotation: pydantic would take it as the answer's JSON schema.
    @model_serializer(mode="wrap")
    def _null_threat_id(self, handler: SerializerFunctionWrapHandler):
        """Routes leave out None fields; an unstored threat's id is said to be null."""
        data = handler(self)
        return {"threat_id": None, **data} if self.threat_id is None else data


class StoredThreatOut(ThreatOut):
    """An answer to a call that stored its threat (what products send): without an id it is
    not Atlas's answer, and a product must not record it as one."""

    threat_id: uuid.UUID


class BatchOut(BaseModel):
    count: int
    results: list[ThreatOut]
