"""App owners, access rules and API keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_access",
        sa.Column("app_id", sa.String(512), primary_key=True),
        sa.Column("owner_id", sa.String(512), nullable=False),
        sa.Column("owner_directory", sa.String(512), nullable=False),
    )
    op.create_table(
        "app_rules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("app_id", sa.String(512), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("right", sa.String(16), nullable=False),
        sa.UniqueConstraint("app_id", "subject_kind", "subject", name="uq_app_rules_subject"),
        sa.CheckConstraint("subject_kind IN ('user', 'group')", name="ck_app_rules_kind"),
        sa.CheckConstraint("\"right\" IN ('consume', 'edit', 'manage')",  # RIGHT is reserved in PostgreSQL
                           name="ck_app_rules_right"),
    )
    op.create_index("ix_app_rules_app_id", "app_rules", ["app_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(512), nullable=False),
        sa.Column("user_directory", sa.String(512), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("email", sa.String(512), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(512), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_user_id", "api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_app_rules_app_id", "app_rules")
    op.drop_table("app_rules")
    op.drop_table("app_access")
