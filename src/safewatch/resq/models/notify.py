"""Pushes: the ledger of what ResQ decided to send (`notifications`) and every try at
delivering it to a device (`notification_attempts`).

Two tables because they answer different questions. A `notifications` row is the decision,
written in the transaction that enqueues its push job and unique per (alert, reason): the push
cap and the once-per-priority-raise re-push count these rows, and they outlive the job (the job
queue purges finished jobs). A `notification_attempts` row is one delivery try on one device with
the provider's answer; a notification has zero (not yet run), one or several (retries, several
phones). Attempts keep their own (alert_id, reason) rather than a foreign key to the ledger, so
a delivery record never depends on the ledger row having been written first (rows from before
the ledger existed, tests that record attempts alone).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safewatch.resq.models.base import Base


class Notification(Base):
    """One push ResQ decided to send: to this guard, for this alert, for this reason, when."""

    __tablename__ = "notifications"
    # The de-duplication record: one push per (alert, reason), whatever the job queue keeps.
    __table_args__ = (UniqueConstraint("alert_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("guard_alerts.id"))
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    guard_id: Mapped[int] = mapped_column(ForeignKey("guards.id"))
    reason: Mapped[str] = mapped_column(String(32))  # alert | escalated:<priority>
    created_at: Mapped[datetime]


class NotificationAttempt(Base):
    """One try at pushing one alert to one device (or to the log), with what came back."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("guard_alerts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # the notification's reason
    channel: Mapped[str] = mapped_column(String(16))  # log | fcm
    token_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | retry | unregistered | failed
    status_code: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
