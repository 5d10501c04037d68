"""a community's days after which its introductions' group DMs are closed (0: never); and when
each group's conversation was closed (or found to need no closing)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("close_dms_after", sa.Integer(), nullable=False, server_default="30")
        )
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("closed_at")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("close_dms_after")
