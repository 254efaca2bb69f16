"""Request bodies that take exactly the JSON types their OpenAPI schema states.

Pydantic's lax mode would take `"0.9"` or `true` for a number, `"yes"` or `1` for a boolean and
a number (Unix time) for a date-time: a client that sends them has a bug, and should hear so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class RequestModel(BaseModel):
    """Strict: JSON's own types only. UUID fields need `Field(strict=False)` (JSON sends them
    as text), date-times `IsoDateTime`."""

    model_config = ConfigDict(strict=True)


def _from_iso_text(value: Any) -> Any:
    if isinstance(value, datetime):  # built in code, not read from JSON
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("send an ISO 8601 date-time, e.g. 2026-11-22T19:15:00Z")


IsoDateTime = Annotated[datetime, BeforeValidator(_from_iso_text)]
