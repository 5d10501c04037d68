"""Schema migrations with Alembic: upgrade an older schema, refuse a newer one clearly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from bot.errors import StoreError
from bot.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def known_revisions() -> set[str]:
    """Every revision this version knows: the head and the older ones it can upgrade from."""
    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


async def upgrade(db: Database) -> str:
    """Bring the schema to this version's head. Refuses a database from a newer version."""
    await db.ping()
    current = await current_revision(db)
    if current is not None and current not in known_revisions():
        raise StoreError(
            f"the database at {db.location} has schema {current}, newer than this Bridgework "
            f"knows (head {head_revision()}); upgrade Bridgework, or point "
            "DATABASE_URL at another database"
        )
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade)
    return head_revision()


async def is_current(db: Database) -> bool:
    return await current_revision(db) == head_revision()


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _upgrade(conn: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
