"""The groups a reload's user had on the credential that queued it (a JWT's or an API
key's groups, which the directory may not have), and a reload task's owner on the
credential that made it: the reload runs with them besides the directory's
(``rest/reloadqueue.reloader``). Reloads and tasks made before have none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("reloads", "reload_tasks"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("groups", sa.Text(), nullable=False,
                                       server_default="[]"))


def downgrade() -> None:
    for table in ("reloads", "reload_tasks"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("groups")
