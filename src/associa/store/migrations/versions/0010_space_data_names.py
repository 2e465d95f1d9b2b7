"""Data file and data connection names unique per space, as in Qlik Cloud, not
engine-wide: a data file's name per space (the personal files, which share one folder,
among themselves); a space's connection's name per space, a personal connection's per
owner.

The old constraints are unnamed unique constraints on ``name``: PostgreSQL called them
``<table>_name_key``; SQLite's batch mode finds them under the same name through the
naming convention below and recreates the table without them (rows kept).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_NAMES = {"uq": "%(table_name)s_%(column_0_name)s_key"}  # PostgreSQL's own default
IN_SPACE = "space_id <> ''"
PERSONAL = "space_id = ''"


def upgrade() -> None:
    for table in ("data_files", "data_connections"):
        with op.batch_alter_table(table, naming_convention=OLD_NAMES) as batch:
            batch.drop_constraint(f"{table}_name_key", type_="unique")
    op.create_index("uq_data_files_space_name", "data_files", ["space_id", "name"],
                    unique=True)
    op.create_index("uq_data_connections_space_name", "data_connections",
                    ["space_id", "name"], unique=True,
                    sqlite_where=sa.text(IN_SPACE), postgresql_where=sa.text(IN_SPACE))
    op.create_index("uq_data_connections_owner_name", "data_connections",
                    ["owner_id", "owner_directory", "name"], unique=True,
                    sqlite_where=sa.text(PERSONAL), postgresql_where=sa.text(PERSONAL))


def downgrade() -> None:
    op.drop_index("uq_data_connections_owner_name", "data_connections")
    op.drop_index("uq_data_connections_space_name", "data_connections")
    op.drop_index("uq_data_files_space_name", "data_files")
    for table in ("data_files", "data_connections"):
        with op.batch_alter_table(table, naming_convention=OLD_NAMES) as batch:
            batch.create_unique_constraint(f"{table}_name_key", ["name"])
