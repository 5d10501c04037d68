"""inbound deliveries already handled, so a platform's retry of one is not handled twice

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handled_deliveries",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_handled_deliveries")),
    )
    op.create_index(op.f("ix_handled_deliveries_handled_at"), "handled_deliveries", ["handled_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_handled_deliveries_handled_at"), table_name="handled_deliveries")
    op.drop_table("handled_deliveries")
