from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.errors import StoreError
from bot.store import migrate
from bot.store.db import Database
from bot.store.models import Base


async def test_upgrade_creates_every_table_on_an_empty_database(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert await migrate.current_revision(db) is None
        head = await migrate.upgrade(db)
        assert await migrate.current_revision(db) == head
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert set(Base.metadata.tables) <= tables
    finally:
        await db.dispose()


async def test_the_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        await migrate.upgrade(db)
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert diff == []
    finally:
        await db.dispose()


def _diff(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


async def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    db = Database(db_url)
    try:
        first = await migrate.upgrade(db)
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (platform, workspace, channel, name, timezone, "
                    "cadence, weekday, local_time, group_size, recency, followup_days, "
                    "llm_enabled, role_names) VALUES ('console', 'w', 'c', 'n', 'UTC', 'weekly', "
                    "0, '10:00', 2, 12, 3, false, '{}')"
                )
            )
        assert await migrate.upgrade(db) == first
        async with db.engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM communities"))).scalar_one()
        assert count == 1
    finally:
        await db.dispose()


async def test_a_schema_newer_than_this_version_is_refused_clearly(db_url: str) -> None:
    db = Database(db_url)
    try:
        await migrate.upgrade(db)
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(StoreError) as caught:
            await migrate.upgrade(db)
        message = str(caught.value)
        assert "9999_future" in message
        assert "newer than this Bridgework" in message
        assert migrate.head_revision() in message
        assert not await migrate.is_current(db)
    finally:
        await db.dispose()


async def test_an_unreachable_database_is_a_store_error_without_the_password() -> None:
    db = Database("postgresql+psycopg://bw:hunter2@127.0.0.1:1/nothing")
    try:
        with pytest.raises(StoreError) as caught:
            await migrate.upgrade(db)
        assert "hunter2" not in str(caught.value)
        assert "cannot reach the database" in str(caught.value)
    finally:
        await db.dispose()


async def test_start_up_upgrades_an_older_schema_and_keeps_its_data(db_url: str) -> None:
    from alembic import command

    db = Database(db_url)
    try:

        def to_first(conn: Connection) -> None:
            config = migrate.alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")

        async with db.engine.begin() as conn:
            await conn.run_sync(to_first)
            await conn.execute(
                text(
                    "INSERT INTO communities (platform, workspace, channel, name, timezone, "
                    "cadence, weekday, local_time, group_size, recency, followup_days, "
                    "llm_enabled, role_names) VALUES ('console', 'w', 'c', 'Old', 'UTC', "
                    "'weekly', 0, '10:00', 2, 12, 3, false, '{}')"
                )
            )
        assert await migrate.current_revision(db) == "0001"
        assert await migrate.upgrade(db) == migrate.head_revision() != "0001"
        async with db.engine.connect() as conn:
            names = (await conn.execute(text("SELECT name FROM communities"))).scalars().all()
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert names == ["Old"]
        assert {"apscheduler_jobs", "library_items", "checkin_participants"} <= tables
    finally:
        await db.dispose()
