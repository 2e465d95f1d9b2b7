"""Reload tasks' ``autoReload`` and ``autoReloadPartial`` (store/reloadtasks.py): a
reload when the data files the app reads change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reload_tasks") as batch:
        batch.add_column(sa.Column("auto_reload", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("auto_reload_partial", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("reload_tasks") as batch:
        batch.drop_column("auto_reload_partial")
        batch.drop_column("auto_reload")
