"""Incidents and everything hanging off them: detections, signals, alerts, chat."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from safewatch.resq.models.base import Base


class AIEvent(Base):
    """Every detection a model server posts, kept for analytics with what became of it."""

    __tablename__ = "ai_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(32))  # violence | scream
    beacon_id: Mapped[str] = mapped_column(ForeignKey("beacons.beacon_id"), index=True)
    confidence_score: Mapped[float]
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(
        String(32)
    )  # incident_created | signal_added... | logged_only
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        # The dedup guarantee: at most one incident per beacon can take new signals. Inserts race
        # on this index (ON CONFLICT DO NOTHING), never on a check-then-insert.
        Index(
            "uq_incidents_joinable_beacon",
            "beacon_id",
            unique=True,
            sqlite_where=text("accepting_signals"),
            postgresql_where=text("accepting_signals"),
        ),
        Index("ix_incidents_status_priority", "status", "priority"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    beacon_id: Mapped[str] = mapped_column(ForeignKey("beacons.beacon_id"))
    status: Mapped[str] = mapped_column(String(16))  # CREATED | ASSIGNED | RESOLVED | CANCELLED
    priority: Mapped[str] = mapped_column(String(16))  # Critical | High | Medium | Low
    accepting_signals: Mapped[bool] = mapped_column(default=True)
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    last_signal_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    escalation_round: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    resolution_code: Mapped[str | None] = mapped_column(String(32))
    resolution_notes: Mapped[str | None] = mapped_column(Text)


class IncidentSignal(Base):
    __tablename__ = "incident_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    signal_type: Mapped[str] = mapped_column(
        String(32)
    )  # VIOLENCE_DETECTED | SCREAM_DETECTED | SOS
    ai_event_id: Mapped[int | None] = mapped_column(ForeignKey("ai_events.id"))
    confidence: Mapped[float | None]
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class GuardAlert(Base):
    __tablename__ = "guard_alerts"
    __table_args__ = (UniqueConstraint("incident_id", "guard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    guard_id: Mapped[int] = mapped_column(ForeignKey("guards.id"), index=True)
    priority_rank: Mapped[int]
    distance_m: Mapped[float | None]
    # SENT | ACKNOWLEDGED | DECLINED | CLOSED | EXPIRED (see alerts/service.py)
    status: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime | None]  # when the guard's app first listed it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class GuardAssignment(Base):
    """The guard who accepted the incident. Unique per incident: one assignee, by constraint."""

    __tablename__ = "guard_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), unique=True)
    guard_id: Mapped[int] = mapped_column(ForeignKey("guards.id"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("guard_alerts.id"))
    assigned_at: Mapped[datetime]
    arrived_at: Mapped[datetime | None]


class IncidentEvent(Base):
    """The timeline: one append-only row per transition, with who, when and why."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))  # "guard3", "ai:violence", "system"
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Conversation(Base):
    """The chat between the student, the assigned guard and dispatchers: one per incident."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), unique=True)
    created_at: Mapped[datetime]


class IncidentReporter(Base):
    """Students linked to an incident: whoever raised an SOS that opened or joined it."""

    __tablename__ = "incident_reporters"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime]


class Message(Base):
    """One chat message in an incident's conversation."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"))
    sender_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
