"""The parts of Atlas's answers a caller relies on; a 2xx without them is treated as garbage
(the rest of the answer passes through untouched)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from safewatch.contracts.threats import Classification


class ClassifyAnswer(BaseModel):
    """The part of Atlas's classify answer a caller relies on (the rest passes through)."""

    threat_id: uuid.UUID
    classification: Classification


class PatternsAnswer(BaseModel):
    patterns: list[dict[str, Any]]


class MediaAnswer(BaseModel):
    objects: list[Any]
