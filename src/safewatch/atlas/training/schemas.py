"""Feedback, stats and model registry shapes (feedback is the integration plan's body)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from safewatch.contracts.taxonomy import CATEGORIES, CATEGORY_SCHEMA
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
        value = value.strip().lower()
        if value not in CATEGORIES:
            raise ValueError(
                f"{value!r} is not a threat category; use one of {', '.join(CATEGORIES)}"
            )
        return value


class FeedbackOut(BaseModel):
    success: bool = True
    feedback_id: int
    prediction_id: uuid.UUID
    status: str = Field(description="recorded (new), updated (changed) or unchanged (a retry)")
    retrain_queued: bool


class ConfusionPair(BaseModel):
    predicted: str
    actual: str
    count: int


class ProductStats(BaseModel):
    feedback: int
    corrections: int
    agreement_rate: float | None = Field(description="Share where Atlas's category was right")
    confusion_pairs: list[ConfusionPair]


class TrainingStats(BaseModel):
    products: dict[str, ProductStats]
    champion: str | None
    feedback_since_champion: int


class ModelOut(BaseModel):
    version: str
    status: str
    metrics: dict[str, Any]
    trained_on: dict[str, Any]
    note: str
    created_at: datetime
    promoted_at: datetime | None
    serving: bool = Field(description="This process answers with it right now")


class ModelsOut(BaseModel):
    serving: str
    versions: list[ModelOut]
