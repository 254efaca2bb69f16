"""notifications: the push ledger (cap and re-push de-duplication no longer read the jobs table)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import safewatch.core.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Until now the push jobs were the ledger: one per (alert, reason), dedup key push:{alert}:{reason}.
BACKFILL = sa.text(
    "INSERT INTO notifications (alert_id, incident_id, guard_id, reason, created_at) "
    "SELECT id, incident_id, guard_id, :reason, :created_at FROM guard_alerts WHERE id = :alert_id"
)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["guard_alerts.id"], name=op.f("fk_notifications_alert_id_guard_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["guards.id"], name=op.f("fk_notifications_guard_id_guards")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_notifications_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("alert_id", "reason", name=op.f("uq_notifications_alert_id_reason")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_incident_id"), ["incident_id"], unique=False
        )
    backfill_from_push_jobs()


def backfill_from_push_jobs() -> None:
    """Copy the ledger the push jobs kept, so no alert's cap starts again from zero."""
    connection = op.get_bind()
    jobs = connection.execute(
        sa.text(
            "SELECT dedup_key, created_at FROM jobs "
            "WHERE kind = 'resq.push_alert' AND dedup_key LIKE 'push:%' ORDER BY id"
        )
    ).all()
    rows = []
    for dedup_key, created_at in jobs:
        _, alert_id, reason = str(dedup_key).split(":", 2)
        rows.append({"alert_id": int(alert_id), "reason": reason, "created_at": created_at})
    if rows:
        connection.execute(BACKFILL, rows)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_incident_id"))

    op.drop_table("notifications")
