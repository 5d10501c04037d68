"""each prompt answer's platform message id, so a redelivered one is recorded once

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prompt_answers") as batch:
        batch.add_column(sa.Column("platform_message_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_prompt_answers_prompt_id"), ["prompt_id", "platform_message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("prompt_answers") as batch:
        batch.drop_constraint(op.f("uq_prompt_answers_prompt_id"), type_="unique")
        batch.drop_column("platform_message_id")
