"""Engines sharing one database: engine leases (store/leases.py), the engine that queued
or runs each reload, and at most one unfinished reload per app across engines.

Reloads left unfinished before this revision name no engine: the first engine that
starts on it fails them, as it did before (no live engine can be running them).
Where an app had more than one unfinished reload (two engines queued at once), all
but its newest are failed first, so that the unique index can be made.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING_SQL = "status IN ('QUEUED', 'RELOADING', 'CANCELING')"


def upgrade() -> None:
    op.create_table(
        "engine_leases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_engine_leases_expires", "engine_leases", ["expires"])
    with op.batch_alter_table("reloads") as batch:
        batch.add_column(sa.Column("engine_id", sa.String(64), nullable=False,
                                   server_default=""))
    op.execute(
        "UPDATE reloads SET status = 'FAILED', error_code = 'ENGINE_RESTARTED', "
        "error_message = 'Another reload of the app was pending' "
        f"WHERE {PENDING_SQL} AND EXISTS (SELECT 1 FROM reloads AS newer "
        "WHERE newer.app_id = reloads.app_id AND newer.id <> reloads.id "
        "AND newer.status IN ('QUEUED', 'RELOADING', 'CANCELING') "
        "AND (newer.created > reloads.created "
        "OR (newer.created = reloads.created AND newer.id > reloads.id)))")
    op.create_index("uq_reloads_pending_app", "reloads", ["app_id"], unique=True,
                    sqlite_where=sa.text(PENDING_SQL), postgresql_where=sa.text(PENDING_SQL))


def downgrade() -> None:
    op.drop_index("uq_reloads_pending_app", "reloads")
    with op.batch_alter_table("reloads") as batch:
        batch.drop_column("engine_id")
    op.drop_index("ix_engine_leases_expires", "engine_leases")
    op.drop_table("engine_leases")
