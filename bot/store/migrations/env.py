"""Alembic's environment: runs migrations on the connection the store hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.models import Base


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `bridgework db upgrade`")
run_on(connection)
