"""a time to meet: a member's own working hours, each group's offered slots and who tapped which

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("hours", sa.String(11), nullable=True))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("slots", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("agreed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "slot_taps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("members.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.UniqueConstraint("group_id", "member_id", "slot"),
    )


def downgrade() -> None:
    op.drop_table("slot_taps")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("agreed_at")
        batch.drop_column("slots")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("hours")
