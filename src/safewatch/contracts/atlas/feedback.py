"""Feedback shapes: the integration plan's body and Atlas's answer."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field, field_validator

from safewatch.contracts.taxonomy import CATEGORY_SCHEMA, checked_category
from safewatch.core.requests import IsoDateTime, RequestModel


class CorrectionMetadata(RequestModel):
    corrected_by: str | None = Field(None, max_length=120)
    correction_timestamp: IsoDateTime | None = None


class FeedbackIn(RequestModel):
    source_product: str = Field(max_length=16, examples=["halo"])
    prediction_id: uuid.UUID = Field(strict=False, description="The threat_id Atlas answered with.")
    predicted_category: str = Field(json_schema_extra=CATEGORY_SCHEMA, examples=["violence"])
    actual_category: str = Field(json_schema_extra=CATEGORY_SCHEMA, examples=["disturbance"])
    user_correction: bool = True
    correction_metadata: CorrectionMetadata = Field(default_factory=CorrectionMetadata)

    @field_validator("predicted_category", "actual_category")
    @classmethod
    def known_category(cls, value: str) -> str:
        return checked_category(value)


class FeedbackOut(BaseModel):
    success: bool = True
    feedback_id: int
    prediction_id: uuid.UUID
    status: str = Field(description="recorded (new), updated (changed) or unchanged (a retry)")
    retrain_queued: bool
