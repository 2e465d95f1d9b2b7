"""Users, groups, spaces and their assignments (store/directory.py); audit events
(store/audits.py); OAuth clients and tokens (store/oauth.py); web integrations and CSP
origins (store/origins.py); webhooks and their deliveries (store/webhooks.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(512), nullable=False, unique=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("email", sa.String(512), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        _when("created"), _when("updated"),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(512), nullable=False, unique=True),
        sa.Column("status", sa.String(32), nullable=False),
        _when("created"),
    )
    op.create_table(
        "spaces",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False, unique=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(512), nullable=False),
        _when("created"), _when("updated"),
    )
    op.create_table(
        "space_assignments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("space_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.String(512), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        _when("created"),
        sa.UniqueConstraint("space_id", "type", "assignee_id", name="uq_space_assignee"),
    )
    op.create_index("ix_space_assignments_space_id", "space_assignments", ["space_id"])
    op.create_table(
        "audits",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(256), nullable=False),
        sa.Column("user_id", sa.String(512), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        _when("event_time"),
        sa.Column("data", sa.Text(), nullable=False),
    )
    for name in ("event_type", "user_id", "event_time"):
        op.create_index(f"ix_audits_{name}", "audits", [name])
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(512), nullable=False),
        sa.Column("user_directory", sa.String(512), nullable=False),
        sa.Column("user_name", sa.String(512), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        _when("created"),
    )
    op.create_index("ix_oauth_clients_user_id", "oauth_clients", ["user_id"])
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(512), nullable=False),
        _when("issued"), _when("expires"),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_oauth_tokens_client_id", "oauth_tokens", ["client_id"])
    op.create_index("ix_oauth_tokens_user_id", "oauth_tokens", ["user_id"])
    op.create_table(
        "web_integrations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("origins", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(512), nullable=False),
        _when("created"), _when("updated"),
    )
    op.create_table(
        "csp_origins",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("origin", sa.String(1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("directives", sa.Text(), nullable=False),
        _when("created"), _when("updated"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_types", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(512), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.String(512), nullable=False),
        _when("created"), _when("updated"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        _when("triggered"),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    for table in ("csp_origins", "web_integrations"):
        op.drop_table(table)
    op.drop_index("ix_oauth_tokens_user_id", "oauth_tokens")
    op.drop_index("ix_oauth_tokens_client_id", "oauth_tokens")
    op.drop_table("oauth_tokens")
    op.drop_index("ix_oauth_clients_user_id", "oauth_clients")
    op.drop_table("oauth_clients")
    for name in ("event_time", "user_id", "event_type"):
        op.drop_index(f"ix_audits_{name}", "audits")
    op.drop_table("audits")
    op.drop_index("ix_space_assignments_space_id", "space_assignments")
    for table in ("space_assignments", "spaces", "groups", "users"):
        op.drop_table(table)
