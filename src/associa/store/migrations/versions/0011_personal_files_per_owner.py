"""A personal data file's name unique per owner, not among all users' personal files:
each user's personal files are in a folder of their own (``store/datafiles.py``), so two
users may each have ``sales.csv``, as in Qlik Cloud. A space's file's name stays unique
per space.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

IN_SPACE = "space_id <> ''"
PERSONAL = "space_id = ''"


def upgrade() -> None:
    op.drop_index("uq_data_files_space_name", "data_files")
    op.create_index("uq_data_files_space_name", "data_files", ["space_id", "name"],
                    unique=True, sqlite_where=sa.text(IN_SPACE),
                    postgresql_where=sa.text(IN_SPACE))
    op.create_index("uq_data_files_owner_name", "data_files",
                    ["owner_id", "owner_directory", "name"], unique=True,
                    sqlite_where=sa.text(PERSONAL), postgresql_where=sa.text(PERSONAL))


def downgrade() -> None:
    op.drop_index("uq_data_files_owner_name", "data_files")
    op.drop_index("uq_data_files_space_name", "data_files")
    op.create_index("uq_data_files_space_name", "data_files", ["space_id", "name"],
                    unique=True)
