"""who answered each introduction, and members paused for answering none of their last three

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_standing") as batch:
        batch.add_column(sa.Column("quiet_paused_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("counts_after_group", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "group_answers",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_answers_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_group_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_answers")),
    )


def downgrade() -> None:
    op.drop_table("group_answers")
    with op.batch_alter_table("member_standing") as batch:
        batch.drop_column("counts_after_group")
        batch.drop_column("quiet_paused_on")
