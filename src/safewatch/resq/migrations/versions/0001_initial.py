"""initial

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import safewatch.core.db.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "beacons",
        sa.Column("beacon_id", sa.String(length=100), nullable=False),
        sa.Column("location_name", sa.String(length=200), nullable=False),
        sa.Column("building", sa.String(length=100), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("beacon_id", name=op.f("pk_beacons")),
    )
    with op.batch_alter_table("beacons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_beacons_active"), ["active"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_jobs_dedup_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_run_at", ["status", "run_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "beacon_links",
        sa.Column("beacon_a", sa.String(length=100), nullable=False),
        sa.Column("beacon_b", sa.String(length=100), nullable=False),
        sa.Column("distance_m", sa.Double(), nullable=False),
        sa.CheckConstraint("beacon_a < beacon_b", name=op.f("ck_beacon_links_ordered")),
        sa.CheckConstraint("distance_m > 0", name=op.f("ck_beacon_links_positive_distance")),
        sa.ForeignKeyConstraint(
            ["beacon_a"], ["beacons.beacon_id"], name=op.f("fk_beacon_links_beacon_a_beacons")
        ),
        sa.ForeignKeyConstraint(
            ["beacon_b"], ["beacons.beacon_id"], name=op.f("fk_beacon_links_beacon_b_beacons")
        ),
        sa.PrimaryKeyConstraint("beacon_a", "beacon_b", name=op.f("pk_beacon_links")),
    )
    op.create_table(
        "guards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("current_beacon_id", sa.String(length=100), nullable=True),
        sa.Column("last_seen_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["current_beacon_id"],
            ["beacons.beacon_id"],
            name=op.f("fk_guards_current_beacon_id_beacons"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_guards_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guards")),
        sa.UniqueConstraint("user_id", name=op.f("uq_guards_user_id")),
    )
    with op.batch_alter_table("guards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guards_on_duty"), ["on_duty"], unique=False)

    op.create_table(
        "incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("beacon_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("accepting_signals", sa.Boolean(), nullable=False),
        sa.Column("reporter_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_signal_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["beacon_id"], ["beacons.beacon_id"], name=op.f("fk_incidents_beacon_id_beacons")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"], ["users.id"], name=op.f("fk_incidents_reporter_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_incidents_status_priority", ["status", "priority"], unique=False)
        batch_op.create_index(
            "uq_incidents_joinable_beacon",
            ["beacon_id"],
            unique=True,
            sqlite_where=sa.text("accepting_signals"),
            postgresql_where=sa.text("accepting_signals"),
        )

    op.create_table(
        "ai_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("beacon_id", sa.String(length=100), nullable=False),
        sa.Column("confidence_score", sa.Double(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["beacon_id"], ["beacons.beacon_id"], name=op.f("fk_ai_events_beacon_id_beacons")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_ai_events_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_events")),
    )
    with op.batch_alter_table("ai_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_events_beacon_id"), ["beacon_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_events_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_conversations_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_conversations_incident_id")),
    )
    op.create_table(
        "guard_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["guards.id"], name=op.f("fk_guard_alerts_guard_id_guards")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_guard_alerts_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guard_alerts")),
        sa.UniqueConstraint(
            "incident_id", "guard_id", name=op.f("uq_guard_alerts_incident_id_guard_id")
        ),
    )
    with op.batch_alter_table("guard_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guard_alerts_guard_id"), ["guard_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_guard_alerts_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "push_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=512), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["guard_id"],
            ["guards.id"],
            name=op.f("fk_push_tokens_guard_id_guards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_tokens")),
        sa.UniqueConstraint("token", name=op.f("uq_push_tokens_token")),
    )
    with op.batch_alter_table("push_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_push_tokens_guard_id"), ["guard_id"], unique=False)

    op.create_table(
        "incident_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("signal_type", sa.String(length=32), nullable=False),
        sa.Column("ai_event_id", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ai_event_id"],
            ["ai_events.id"],
            name=op.f("fk_incident_signals_ai_event_id_ai_events"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_signals_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_signals")),
    )
    with op.batch_alter_table("incident_signals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_signals_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["guard_alerts.id"],
            name=op.f("fk_notification_attempts_alert_id_guard_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_attempts_alert_id"), ["alert_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_attempts_alert_id"))

    op.drop_table("notification_attempts")
    with op.batch_alter_table("incident_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_signals_incident_id"))

    op.drop_table("incident_signals")
    with op.batch_alter_table("push_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_tokens_guard_id"))

    op.drop_table("push_tokens")
    with op.batch_alter_table("guard_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guard_alerts_incident_id"))
        batch_op.drop_index(batch_op.f("ix_guard_alerts_guard_id"))

    op.drop_table("guard_alerts")
    op.drop_table("conversations")
    with op.batch_alter_table("ai_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_events_incident_id"))
        batch_op.drop_index(batch_op.f("ix_ai_events_created_at"))
        batch_op.drop_index(batch_op.f("ix_ai_events_beacon_id"))

    op.drop_table("ai_events")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_incidents_joinable_beacon",
            sqlite_where=sa.text("accepting_signals"),
            postgresql_where=sa.text("accepting_signals"),
        )
        batch_op.drop_index("ix_incidents_status_priority")
        batch_op.drop_index(batch_op.f("ix_incidents_created_at"))

    op.drop_table("incidents")
    with op.batch_alter_table("guards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guards_on_duty"))

    op.drop_table("guards")
    op.drop_table("beacon_links")
    op.drop_table("users")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_status_run_at")

    op.drop_table("jobs")
    with op.batch_alter_table("beacons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beacons_active"))

    op.drop_table("beacons")
