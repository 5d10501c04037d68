"""Shared fixtures: a database on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set),
an opened Core on it with a clock the test moves, and small factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import Core, open_core
from bot.domain import Platform
from bot.events import Actor, CommandInvoked, Where
from bot.settings import Settings


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets a database of its own on the PostgreSQL server: the
    tests' schemas are unique anyway, but advisory locks (the scheduler's lead) are per database.
    The worker's database is named after the given one, so two runs given two databases share
    nothing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    import psycopg

    address, mark, query = url.partition("?")
    base, _, given = address.rpartition("/")
    name = f"{given or 'bridgework_test'}_{worker}"
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    worker_url = f"{base}/{name}{mark}{query}"
    os.environ["TEST_DATABASE_URL"] = worker_url  # subprocesses and the benches use it too
    return worker_url


PG_URL = _worker_database(os.environ.get("TEST_DATABASE_URL"))
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
WHERE = Where(Platform.CONSOLE, "acme", "coffee")


class MovableClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the test PostgreSQL server."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    import psycopg

    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DISCORD_", "LLM_", "DATABASE_URL", "BRIDGEWORK_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIDGEWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WELCOME_DM", "false")  # tests that greet newcomers turn it on
    return Settings(_env_file=None)


@pytest.fixture
async def core(db_url: str, settings: Settings, clock: MovableClock) -> AsyncIterator[Core]:
    opened = await open_core(settings, clock=clock, url=db_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def community(core: Core) -> int:
    return await core.ensure_community(
        Platform.CONSOLE, WHERE.workspace, WHERE.channel, name="Acme", timezone="Europe/London"
    )


def person(pid: str, name: str | None = None, *, admin: bool = False) -> Actor:
    return Actor(pid, name or pid.capitalize(), platform_admin=admin)


def say(pid: str, text: str, *, admin: bool = False) -> CommandInvoked:
    return CommandInvoked(WHERE, person(pid, admin=admin), text)
