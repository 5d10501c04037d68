"""`bridgework doctor` and `community list` on the database: a fresh install is no failure, a
newer schema is not sent to `db upgrade`, and a mistyped path is reported, never created."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings
from bot.store import migrate
from bot.store.db import Database

runner = CliRunner()


def prepare(url: str, *, upgrade: bool = True, version: str | None = None) -> None:
    """Create the database (a SQLite file, or a schema on the server), upgraded or empty."""

    async def go() -> None:
        db = Database(url)
        try:
            await db.ping()
            if upgrade:
                await migrate.upgrade(db)
            if version is not None:
                async with db.engine.begin() as conn:
                    await conn.execute(
                        text("UPDATE alembic_version SET version_num = :v"), {"v": version}
                    )
        finally:
            await db.dispose()

    asyncio.run(go())


@pytest.fixture(autouse=True)
def isolated(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_a_fresh_install_is_a_warning_not_a_failure_and_creates_nothing(tmp_path: Path) -> None:
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert f"WARN database: {tmp_path / 'data' / 'bridgework.db'} does not exist" in doctor.output
    assert "`bridgework run` (or `db upgrade`) creates it there" in doctor.output
    assert not (tmp_path / "data").exists()


def test_a_mistyped_path_is_reported_by_doctor_and_community_list_and_never_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mistyped = tmp_path / "vra" / "lib" / "bridgework.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{mistyped}")
    doctor = runner.invoke(app, ["doctor"])
    assert f"{mistyped} does not exist (nor does its folder {mistyped.parent})" in doctor.output
    listed = runner.invoke(app, ["community", "list"])
    assert listed.exit_code == 2
    assert f"{mistyped} does not exist" in listed.output
    assert "check DATABASE_URL" in listed.output
    assert not (tmp_path / "vra").exists()


def test_doctor_passes_on_a_current_schema_and_warns_on_an_empty_one(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(db_url, upgrade=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    empty = runner.invoke(app, ["doctor"])
    assert empty.exit_code == 0, empty.output
    assert "OK   database: reachable at" in empty.output
    assert f"WARN schema: empty: start-up creates schema {migrate.head_revision()}" in empty.output
    prepare(db_url)
    current = runner.invoke(app, ["doctor"])
    assert current.exit_code == 0, current.output
    assert f"OK   schema: current ({migrate.head_revision()})" in current.output


def test_a_newer_schema_is_not_sent_to_db_upgrade(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(db_url, version="9999_future")
    monkeypatch.setenv("DATABASE_URL", db_url)
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 1
    assert "FIX  schema: at 9999_future, newer than this Bridgework knows" in doctor.output
    assert "upgrade Bridgework" in doctor.output
    assert "db upgrade" not in doctor.output


def test_an_older_schema_is_a_warning_that_start_up_upgrades_it(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = min(migrate.known_revisions())
    prepare(db_url, version=first)
    monkeypatch.setenv("DATABASE_URL", db_url)
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert f"WARN schema: at {first}: start-up" in doctor.output
