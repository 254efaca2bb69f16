"""Media analysis shapes: the upload's context and Atlas's answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from safewatch.core.requests import IsoDateTime, RequestModel

MediaType = Literal["photo", "video", "audio"]


class MediaContext(RequestModel):
    """The `context` form field (JSON). Other keys, e.g. `incident_id`, are kept as sent."""

    model_config = ConfigDict(extra="allow")

    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    timestamp: IsoDateTime | None = Field(None, description="When it was recorded. Default: now.")
    source_product: str | None = Field(None, max_length=16)
    incident_type: str | None = Field(None, max_length=48)
    reference: str | None = Field(None, max_length=120, description="Your own id for this file.")


class ObjectOut(BaseModel):
    label: str
    confidence: float
    box: list[int] = Field(description="x1, y1, x2, y2 in the image's (or frame's) pixels")
    at_seconds: float | None = Field(None, description="The video frame's time; none for photos")


class AudioEventOut(BaseModel):
    label: Literal["scream", "shout", "gunshot", "glass_break", "siren"]
    confidence: float
    start: float = Field(description="Seconds from the start of the audio")
    end: float


class EvidenceOut(BaseModel):
    kind: Literal["object", "audio_event"]
    index: int = Field(description="Position in `objects` or `audio_events`")
    label: str
    confidence: float
    at_seconds: float | None = None


class MediaThreatOut(BaseModel):
    category: str = Field(description="A category of the Atlas threat taxonomy")
    confidence: float
    severity: int
    evidence: list[EvidenceOut]


class ModelOut(BaseModel):
    name: str
    version: str
    task: str


class PrivacyOut(BaseModel):
    metadata_stripped: list[str] = Field(description="Metadata found and never stored (exif, gps…)")
    faces_blurred: int
    media_stored: bool = Field(description="Whether a sanitised copy of the photo was kept")


class AnalysisOut(BaseModel):
    analysis_id: uuid.UUID
    media_type: MediaType
    format: str
    duration_seconds: float | None
    width: int | None
    height: int | None
    objects: list[ObjectOut]
    audio_events: list[AudioEventOut]
    threats: list[MediaThreatOut]
    models: list[ModelOut]
    privacy: PrivacyOut
    warnings: list[str]
    threat_id: uuid.UUID | None = Field(
        description="The threat-store entry made from the strongest threat, if any"
    )
    source_product: str
    occurred_at: datetime
    latitude: float | None
    longitude: float | None
    reference: str | None
