"""rounds of a kind: weekly, or a day's on-demand round (intro me, suggest); and the queue of
members who asked for an introduction today

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEEKLY_ONLY = sa.text("kind = 'weekly'")


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="weekly")
        )
        batch.drop_constraint("uq_rounds_community_id", type_="unique")
        batch.drop_constraint("uq_rounds_community_day", type_="unique")
        batch.create_unique_constraint(
            "uq_rounds_community_day", ["community_id", "kind", "run_on"]
        )
    op.create_index(
        "uq_rounds_weekly_number",
        "rounds",
        ["community_id", "number"],
        unique=True,
        sqlite_where=WEEKLY_ONLY,
        postgresql_where=WEEKLY_ONLY,
    )
    op.create_table(
        "intro_queue",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_intro_queue_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_intro_queue_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_intro_queue")),
    )


def downgrade() -> None:
    op.drop_table("intro_queue")
    op.drop_index("uq_rounds_weekly_number", table_name="rounds")
    op.execute("DELETE FROM rounds WHERE kind <> 'weekly'")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_constraint("uq_rounds_community_day", type_="unique")
        batch.create_unique_constraint("uq_rounds_community_day", ["community_id", "run_on"])
        batch.create_unique_constraint("uq_rounds_community_id", ["community_id", "number"])
        batch.drop_column("kind")
