"""Detection payloads, exactly the seed's fields, with messages that say what to send."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from safewatch.core.requests import RequestModel

BEACON_EXAMPLE = "safe:uuid:403:403"
NOT_BLANK = r"\S"  # some text, not only spaces: in the schema, so clients know it too


class DetectionIn(RequestModel):
    """What a model server posts to /api/ai/violence-detected/ or /api/ai/scream-detected/."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "beacon_id": BEACON_EXAMPLE,
                    "confidence_score": 0.92,
                    "description": "Fight detected near library entrance",
                }
            ]
        }
    )

    beacon_id: str = Field(
        min_length=1, max_length=100, pattern=NOT_BLANK, examples=[BEACON_EXAMPLE]
    )
    confidence_score: float = Field(allow_inf_nan=False, ge=0, le=1)
    description: str = Field(min_length=1, max_length=2000, pattern=NOT_BLANK)

    @field_validator("beacon_id", "description")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class LegacyDetectionIn(DetectionIn):
    """The legacy /api/ai/ai-detection/ body: the same plus event_type; description optional."""

    event_type: Literal["violence", "scream"] = Field(description="Any case is accepted")
    description: str = Field(default="", max_length=2000)

    @field_validator("event_type", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class DetectionOut(BaseModel):
    status: Literal["incident_created", "signal_added_to_existing", "logged_only"]
    ai_event_id: int
    incident_id: str | None = None
    signal_id: int | None = None
    confidence_score: float
    beacon_location: str | None = None
    incident_status: str | None = None
    incident_priority: str | None = None
    threshold: float | None = None
    message: str | None = None


class SeedError(BaseModel):
    error: str


_HINTS = {
    "beacon_id": f'beacon_id is required: a beacon id such as "{BEACON_EXAMPLE}" '
    "(list them with GET /api/beacons/)",
    "confidence_score": "confidence_score must be a number between 0 and 1, e.g. 0.92",
    "description": 'description is required: say what was detected, e.g. "Fight detected"',
    "event_type": 'event_type must be "violence" or "scream"',
}


def explain(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence telling a model-server developer what to send."""
    loc = [str(p) for p in error.get("loc", ()) if p != "body"]
    field = loc[0] if loc else ""
    kind = error.get("type", "")
    if kind == "json_invalid":
        return (
            "Request body is not valid JSON: send a JSON object with beacon_id, "
            "confidence_score and description"
        )
    if not field or kind in ("model_attributes_type", "dict_type"):
        return "Request body must be a JSON object with beacon_id, confidence_score and description"
    if field == "confidence_score" and kind in ("less_than_equal", "greater_than_equal"):
        value = error.get("input")
        if isinstance(value, int | float) and 1 < value <= 100:
            return f"confidence_score must be between 0 and 1, e.g. {value / 100:g}"
        return "confidence_score must be between 0 and 1, e.g. 0.92"
    if kind == "value_error":  # a validator's own words, e.g. about a NUL character
        return f"{field}: {str(error.get('msg', '')).removeprefix('Value error, ')}"
    if field in ("beacon_id", "description") and kind in ("string_too_long",):
        return f"{field} is too long: {error.get('msg', '')}".rstrip(": ")
    if field in _HINTS:
        return _HINTS[field]
    return f"{field}: {error.get('msg', 'invalid value')}"
