"""the leads' dashboard's one-use links and the sessions they open

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("link_digest", sa.String(length=64), nullable=False),
        sa.Column("link_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("session_digest", sa.String(length=64), nullable=True),
        sa.Column("session_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_dashboard_sessions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_sessions")),
        sa.UniqueConstraint("link_digest", name=op.f("uq_dashboard_sessions_link_digest")),
        sa.UniqueConstraint("session_digest", name=op.f("uq_dashboard_sessions_session_digest")),
    )
    op.create_index(
        "ix_dashboard_sessions_person",
        "dashboard_sessions",
        ["community_id", "platform_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_dashboard_sessions_person", table_name="dashboard_sessions")
    op.drop_table("dashboard_sessions")
