"""each community's half-life of ties between teams, in weeks (pairing ages ties)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("half_life_weeks", sa.Integer(), nullable=False, server_default="26")
        )


def downgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("half_life_weeks")
