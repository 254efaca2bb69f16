"""Incident API shapes: the report a user sends, the full view and the public view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from safewatch.contracts.taxonomy import CATEGORY_SCHEMA, checked_category
from safewatch.core.requests import IsoDateTime, RequestModel

Source = Literal["atlas", "fallback"]


class IncidentCreate(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"description": "Gunshots heard", "latitude": 59.3293, "longitude": 18.0686}
            ]
        }
    )

    description: str = Field(min_length=3, max_length=4000, description="What happened")
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    occurred_at: IsoDateTime | None = Field(
        None, description="When it happened (ISO 8601; no offset means UTC). Default: now."
    )
    incident_type: str | None = Field(None, max_length=48, examples=["assault"])

    @field_validator("description")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("describe what happened in a few words")
        return value.strip()


class ValidateIn(RequestModel):
    actual_category: str = Field(json_schema_extra=CATEGORY_SCHEMA, examples=["disturbance"])
    validated_by: str | None = Field(
        None, max_length=120, description="Who validated; default: your username"
    )

    @field_validator("actual_category")
    @classmethod
    def known_category(cls, value: str) -> str:
        return checked_category(value)


class IncidentPublic(BaseModel):
    """What anyone may see: the location rounded, no reporter, personal data scrubbed."""

    id: uuid.UUID
    incident_type: str | None
    description: str = Field(description="Names, phone numbers and e-mails replaced")
    latitude: float
    longitude: float
    occurred_at: datetime
    created_at: datetime
    category: str
    severity: int
    classification_source: Source
    validated: bool


class IncidentOut(BaseModel):
    """The full incident: for its reporter and for validators."""

    id: uuid.UUID
    incident_type: str | None
    description: str
    latitude: float
    longitude: float
    occurred_at: datetime
    created_at: datetime
    updated_at: datetime
    reporter: str | None = Field(description="The reporter's username; null when anonymous")
    category: str
    severity: int
    confidence: float
    classification_source: Source = Field(
        description="atlas: Atlas's verdict; fallback: Halo's keyword classifier"
    )
    fallback_reason: str | None = Field(
        description="Why the fallback classified it: atlas_unavailable (classified through "
        "Atlas later), atlas_not_configured (Halo has no Atlas key), atlas_rejected (Atlas "
        "refused the request, e.g. a wrong key) or rollout (not sent); null when Atlas did"
    )
    atlas_threat_id: uuid.UUID | None
    atlas_classification: dict[str, Any] | None
    atlas_last_sync: datetime | None
    atlas_confidence: float | None
    atlas_severity: int | None
    validated_category: str | None
    validated_by: str | None
    validated_at: datetime | None


class IncidentPage(BaseModel):
    items: list[IncidentOut | IncidentPublic]
    count: int
    next_offset: int | None = Field(description="Pass as offset for the next page; null: done")
