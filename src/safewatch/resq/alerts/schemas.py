"""A guard's alerts as the guard app reads them, and the answer to accepting or declining."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AlertIncident(BaseModel):
    id: str
    status: str
    priority: str
    location_name: str
    building: str
    floor: int


class AlertOut(BaseModel):
    id: int
    status: str
    priority_rank: int
    created_at: datetime
    incident: AlertIncident


class AnswerOut(BaseModel):
    alert_id: int
    incident_id: str
    status: str
    passed_to_alert_ids: list[int] = []
