"""Request bodies that take exactly the JSON types their OpenAPI schema states.

Pydantic's lax mode would take `"0.9"` or `true` for a number, `"yes"` or `1` for a boolean and
a number (Unix time) for a date-time: a client that sends them has a bug, and should hear so.
Text may not hold NUL (U+0000): PostgreSQL cannot store it, and no real text has it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator


class RequestModel(BaseModel):
    """Strict: JSON's own types only. UUID fields need `Field(strict=False)` (JSON sends them
    as text), date-times `IsoDateTime`."""

    model_config = ConfigDict(strict=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("remove the NUL character (\\u0000) from the text")
        return value


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
# Ids, offsets and cursors fit the database's 32-bit integers (PostgreSQL's integer; a larger
# number fails in the driver on both databases): say so, and refuse more with a 422.
MAX_ROW_ID = 2**31 - 1
