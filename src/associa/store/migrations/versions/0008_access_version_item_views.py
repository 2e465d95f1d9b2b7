"""Engines sharing one database see each other's changes of access: one row counting
the changes of app owners and rules (store/meta.py's ``access_version``), which each
engine compares with the count its in-memory cache of rules was read at. And the views
of items per user and day (store/views.py's ``item_views``: an item's ``itemViews``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "access_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
    op.create_table(
        "item_views",
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("resource_id", sa.String(512), primary_key=True),
        sa.Column("user_id", sa.String(512), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("item_views")
    op.drop_table("access_version")
