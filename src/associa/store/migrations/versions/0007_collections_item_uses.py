"""Collections and their items, each user's last use of an item (store/collections.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "collections",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("creator_id", sa.String(512), nullable=False),
        sa.Column("updater_id", sa.String(512), nullable=False),
        _when("created"), _when("updated"),
    )
    op.create_index("ix_collections_type", "collections", ["type"])
    op.create_index("ix_collections_creator_id", "collections", ["creator_id"])
    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.String(64), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        _when("added"),
    )
    op.create_index("ix_collection_items_item_id", "collection_items", ["item_id"])
    op.create_table(
        "item_uses",
        sa.Column("user_id", sa.String(512), primary_key=True),
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("resource_id", sa.String(512), primary_key=True),
        _when("used"),
    )


def downgrade() -> None:
    op.drop_table("item_uses")
    op.drop_index("ix_collection_items_item_id", "collection_items")
    op.drop_table("collection_items")
    op.drop_index("ix_collections_creator_id", "collections")
    op.drop_index("ix_collections_type", "collections")
    op.drop_table("collections")
