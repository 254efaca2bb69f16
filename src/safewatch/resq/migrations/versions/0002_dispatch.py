"""dispatch

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import safewatch.core.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_events_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
    )
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_events_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "guard_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("arrived_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["guard_alerts.id"],
            name=op.f("fk_guard_assignments_alert_id_guard_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["guards.id"], name=op.f("fk_guard_assignments_guard_id_guards")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_guard_assignments_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guard_assignments")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_guard_assignments_incident_id")),
    )
    with op.batch_alter_table("guard_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guard_assignments_guard_id"), ["guard_id"], unique=False
        )

    with op.batch_alter_table("guard_alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("seen_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("resolution_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("resolution_notes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("resolution_notes")
        batch_op.drop_column("resolution_code")
        batch_op.drop_column("closed_at")

    with op.batch_alter_table("guard_alerts", schema=None) as batch_op:
        batch_op.drop_column("seen_at")

    with op.batch_alter_table("guard_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guard_assignments_guard_id"))

    op.drop_table("guard_assignments")
    with op.batch_alter_table("incident_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_events_incident_id"))

    op.drop_table("incident_events")
