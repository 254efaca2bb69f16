"""Incidents as the apps and the dispatch console read them, and what they send to close one.

Field order is the JSON's key order: clients and the byte-for-byte test read it as it was when
these answers were dicts built by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from safewatch.core.requests import RequestModel
from safewatch.resq.incidents.constants import PRIORITIES

Status = Literal["CREATED", "ASSIGNED", "RESOLVED", "CANCELLED"]
Priority = Literal["Critical", "High", "Medium", "Low"]
ResolutionCode = Literal["handled", "false_alarm", "medical", "police", "referred", "other"]
assert set(PRIORITIES) == set(Priority.__args__)  # type: ignore[attr-defined]


class Resolution(RequestModel):
    model_config = ConfigDict(extra="forbid")

    resolution_code: ResolutionCode
    notes: str = Field(default="", max_length=2000)


class Cancellation(RequestModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000, examples=["False alarm: cheering"])


class IncidentSummary(BaseModel):
    id: str
    status: str
    priority: str
    beacon_id: str
    location_name: str
    created_at: datetime
    updated_at: datetime


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    total: int
    limit: int
    offset: int


class SignalOut(BaseModel):
    id: int
    signal_type: str
    confidence: float | None
    description: str
    created_at: datetime


class IncidentAlertOut(BaseModel):
    id: int
    guard: str
    priority_rank: int
    status: str
    distance_m: float | None  # where a guard stands is for dispatch only: None for others
    created_at: datetime


class AssignmentOut(BaseModel):
    guard: str
    assigned_at: datetime
    arrived_at: datetime | None


class TimelineEntry(BaseModel):
    kind: str
    actor: str
    reason: str
    data: dict[str, Any]
    at: datetime


class IncidentDetail(IncidentSummary):
    building: str
    floor: int
    closed_at: datetime | None
    resolution_code: str | None
    resolution_notes: str | None
    signal_count: int
    signals: list[SignalOut]
    alerts: list[IncidentAlertOut]
    assignment: AssignmentOut | None
    reporters: list[str]  # display names, only for the assigned guard and the student
    timeline: list[TimelineEntry]
