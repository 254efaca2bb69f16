"""What a student's app sends with an SOS, and what it hears back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from safewatch.core.requests import RequestModel


class SosIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    beacon_id: str = Field(min_length=1, max_length=100, examples=["safe:uuid:403:403"])
    text: str = Field(default="", max_length=500, examples=["Someone is following me"])


class SosOut(BaseModel):
    status: str
    incident_id: str
    incident_status: str
    incident_priority: str
    beacon_location: str
