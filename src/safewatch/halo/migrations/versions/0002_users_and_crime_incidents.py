"""halo users and crime incidents with Atlas metadata

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
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

UTC = safewatch.core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "halo_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_halo_users")),
        sa.UniqueConstraint("username", name=op.f("uq_halo_users_username")),
    )
    op.create_table(
        "crime_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_type", sa.String(length=48), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("scrubbed_description", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("client_key", sa.String(length=160), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("predicted_category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("classification_source", sa.String(length=16), nullable=False),
        sa.Column("fallback_reason", sa.String(length=24), nullable=True),
        sa.Column("atlas_threat_id", sa.Uuid(), nullable=True),
        sa.Column(
            "atlas_classification",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("atlas_last_sync", UTC, nullable=True),
        sa.Column("atlas_confidence", sa.Double(), nullable=True),
        sa.Column("atlas_severity", sa.Integer(), nullable=True),
        sa.Column("validated_category", sa.String(length=32), nullable=True),
        sa.Column("validated_by", sa.String(length=120), nullable=True),
        sa.Column("validated_by_user_id", sa.Integer(), nullable=True),
        sa.Column("validated_at", UTC, nullable=True),
        sa.Column("corrected", sa.Boolean(), nullable=True),
        sa.Column("validations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["halo_users.id"],
            name=op.f("fk_crime_incidents_reporter_id_halo_users"),
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_user_id"],
            ["halo_users.id"],
            name=op.f("fk_crime_incidents_validated_by_user_id_halo_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crime_incidents")),
        sa.UniqueConstraint("client_key", name=op.f("uq_crime_incidents_client_key")),
    )
    with op.batch_alter_table("crime_incidents", schema=None) as batch_op:
        batch_op.create_index("idx_atlas_threat_id", ["atlas_threat_id"], unique=False)
        batch_op.create_index("idx_atlas_sync", ["atlas_last_sync"], unique=False)
        batch_op.create_index("ix_crime_incidents_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_crime_incidents_latitude", ["latitude"], unique=False)


def downgrade() -> None:
    op.drop_table("crime_incidents")
    op.drop_table("halo_users")
