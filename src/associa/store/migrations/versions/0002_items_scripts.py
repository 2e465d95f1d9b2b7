"""Items (the REST API's resources, with an app's attributes) and script versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(512), nullable=False),
        sa.Column("name", sa.String(1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(512), nullable=False),
        sa.Column("creator_id", sa.String(512), nullable=False),
        sa.Column("updater_id", sa.String(512), nullable=False),
        sa.Column("usage", sa.String(64), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("publish_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("origin_id", sa.String(512), nullable=False),
        sa.Column("thumbnail", sa.String(1024), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("resource_type", "resource_id", name="uq_items_resource"),
    )
    op.create_index("ix_items_resource_id", "items", ["resource_id"])
    op.create_index("ix_items_space_id", "items", ["space_id"])
    op.create_index("ix_items_owner_id", "items", ["owner_id"])
    op.create_table(
        "app_scripts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(512), nullable=False),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("version_message", sa.String(1024), nullable=False),
        sa.Column("modifier_id", sa.String(512), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_app_scripts_app_id", "app_scripts", ["app_id"])


def downgrade() -> None:
    op.drop_index("ix_app_scripts_app_id", "app_scripts")
    op.drop_table("app_scripts")
    for name in ("owner_id", "space_id", "resource_id"):
        op.drop_index(f"ix_items_{name}", "items")
    op.drop_table("items")
