"""media analyses

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import safewatch.core.db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "media_analyses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=8), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Double(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("objects", _json(), nullable=False),
        sa.Column("audio_events", _json(), nullable=False),
        sa.Column("threats", _json(), nullable=False),
        sa.Column("models", _json(), nullable=False),
        sa.Column("privacy", _json(), nullable=False),
        sa.Column("warnings", _json(), nullable=False),
        sa.Column("top_category", sa.String(length=32), nullable=True),
        sa.Column("top_confidence", sa.Double(), nullable=True),
        sa.Column("threat_id", sa.Uuid(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("occurred_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("incident_type", sa.String(length=48), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("context", _json(), nullable=False),
        sa.Column("created_at", safewatch.core.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_analyses")),
    )
    with op.batch_alter_table("media_analyses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_media_analyses_category_occurred", ["top_category", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_media_analyses_occurred_lat_lon",
            ["occurred_at", "latitude", "longitude"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_media_analyses_product"), ["product"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_analyses_sha256"), ["sha256"], unique=False)

    op.create_table(
        "media_files",
        sa.Column("analysis_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["media_analyses.id"],
            name=op.f("fk_media_files_analysis_id_media_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("analysis_id", name=op.f("pk_media_files")),
    )


def downgrade() -> None:
    op.drop_table("media_files")
    with op.batch_alter_table("media_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_analyses_sha256"))
        batch_op.drop_index(batch_op.f("ix_media_analyses_product"))
        batch_op.drop_index("ix_media_analyses_occurred_lat_lon")
        batch_op.drop_index("ix_media_analyses_category_occurred")

    op.drop_table("media_analyses")
