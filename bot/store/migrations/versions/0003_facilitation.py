"""facilitation

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_library_items_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_items")),
    )
    op.create_table(
        "library_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_library_uses_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_uses")),
        sa.UniqueConstraint(
            "community_id", "kind", "item", name=op.f("uq_library_uses_community_id")
        ),
    )
    op.create_table(
        "checkin_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_checkin_participants_checkin_id_checkins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_checkin_participants_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_participants")),
        sa.UniqueConstraint(
            "checkin_id", "member_id", name=op.f("uq_checkin_participants_checkin_id")
        ),
    )
    op.create_table(
        "prompt_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_prompt_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name=op.f("fk_prompt_answers_prompt_id_prompts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_answers")),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edit_token", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_answers_edit_token"), ["edit_token"], unique=False)

    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("teams", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("reminded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("secret", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_checkins_schedule_id_schedules"),
            "schedules",
            ["schedule_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("posted_on", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_prompts_schedule_id_schedules"),
            "schedules",
            ["schedule_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_column("created_by")

    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("once_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("created_by", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("created_by")
        batch_op.drop_column("once_at")

    with op.batch_alter_table("prompts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_by", sa.VARCHAR(length=64), nullable=False, server_default="")
        )
        batch_op.drop_constraint(batch_op.f("fk_prompts_schedule_id_schedules"), type_="foreignkey")
        batch_op.drop_column("posted_on")
        batch_op.drop_column("schedule_id")

    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_checkins_schedule_id_schedules"), type_="foreignkey"
        )
        batch_op.drop_column("secret")
        batch_op.drop_column("closed")
        batch_op.drop_column("reminded")
        batch_op.drop_column("teams")
        batch_op.drop_column("schedule_id")

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answers_edit_token"))
        batch_op.drop_column("edit_token")

    op.drop_table("prompt_answers")
    op.drop_table("checkin_participants")
    op.drop_table("library_uses")
    op.drop_table("library_items")
