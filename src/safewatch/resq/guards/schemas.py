"""What the guard app and the dispatchers' roster send and read about guards."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from safewatch.core.requests import RequestModel


class GuardPatch(RequestModel):
    model_config = ConfigDict(extra="forbid")

    on_duty: bool | None = None
    current_beacon_id: str | None = Field(default=None, max_length=100)


class GuardMe(BaseModel):
    on_duty: bool
    current_beacon_id: str | None
    location_name: str | None
    last_seen_at: datetime | None


class GuardOnRoster(BaseModel):
    id: int
    name: str
    on_duty: bool
    current_beacon_id: str | None
    last_seen_at: datetime | None


class DeviceIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=16, max_length=512)
    platform: Literal["android", "ios", "web"] = "android"


class DeviceOut(BaseModel):
    id: int
    platform: str
