"""Reload history (``/reloads``), reload schedules (``/reload-tasks``), data connections
(``/data-connections``) and uploaded data files (``/data-files``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reloads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(512), nullable=False),
        sa.Column("user_id", sa.String(512), nullable=False),
        sa.Column("user_directory", sa.String(512), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_reloads_app_id", "reloads", ["app_id"])
    op.create_index("ix_reloads_status", "reloads", ["status"])
    op.create_table(
        "reload_tasks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("app_id", sa.String(512), nullable=False),
        sa.Column("owner_id", sa.String(512), nullable=False),
        sa.Column("owner_directory", sa.String(512), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("recurrence", sa.Text(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reload_id", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reload_tasks_app_id", "reload_tasks", ["app_id"])
    op.create_index("ix_reload_tasks_next_run", "reload_tasks", ["next_run"])
    op.create_table(
        "data_connections",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False, unique=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("connect_statement", sa.Text(), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(512), nullable=False),
        sa.Column("owner_directory", sa.String(512), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_data_connections_owner_id", "data_connections", ["owner_id"])
    op.create_table(
        "data_files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(1024), nullable=False, unique=True),
        sa.Column("owner_id", sa.String(512), nullable=False),
        sa.Column("owner_directory", sa.String(512), nullable=False),
        sa.Column("app_id", sa.String(512), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_data_files_owner_id", "data_files", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_data_files_owner_id", "data_files")
    op.drop_table("data_files")
    op.drop_index("ix_data_connections_owner_id", "data_connections")
    op.drop_table("data_connections")
    op.drop_index("ix_reload_tasks_next_run", "reload_tasks")
    op.drop_index("ix_reload_tasks_app_id", "reload_tasks")
    op.drop_table("reload_tasks")
    op.drop_index("ix_reloads_status", "reloads")
    op.drop_index("ix_reloads_app_id", "reloads")
    op.drop_table("reloads")
