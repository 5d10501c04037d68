"""blackout days: each community's holidays, and whether what falls on them moves or is skipped

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("blackout_mode", sa.String(8), nullable=False, server_default="move")
        )
    op.create_table(
        "blackouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "community_id",
            sa.Integer(),
            sa.ForeignKey("communities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
    )
    op.create_index("ix_blackouts_community_id", "blackouts", ["community_id"])


def downgrade() -> None:
    op.drop_index("ix_blackouts_community_id", "blackouts")
    op.drop_table("blackouts")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("blackout_mode")
