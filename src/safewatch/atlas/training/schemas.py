"""Stats and model registry shapes (feedback's own are in `contracts.atlas.feedback`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


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
