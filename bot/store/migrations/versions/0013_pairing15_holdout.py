"""a holdout of never-met team pairs left unsteered, to measure the steering's lift

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("holdout_percent", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "holdout_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("first_round", sa.Integer(), nullable=False),
        sa.Column("first_team", sa.String(length=400), nullable=False),
        sa.Column("second_team", sa.String(length=400), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_holdout_pairs_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdout_pairs")),
    )
    op.create_index(
        op.f("ix_holdout_pairs_community_id"), "holdout_pairs", ["community_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_holdout_pairs_community_id"), table_name="holdout_pairs")
    op.drop_table("holdout_pairs")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("holdout_percent")
