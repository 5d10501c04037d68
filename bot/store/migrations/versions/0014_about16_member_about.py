"""a member's own line about themselves, shown under their name in introductions

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("about", sa.String(160), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("about")
