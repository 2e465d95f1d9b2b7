"""Data files and data connections in spaces: a ``space_id`` on each ("" = personal).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("data_files", "data_connections")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("space_id", sa.String(64), nullable=False,
                                       server_default=""))
        op.create_index(f"ix_{table}_space_id", table, ["space_id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_space_id", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("space_id")
