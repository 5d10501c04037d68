"""The web role's server: `GET /healthz` (database, schema, scheduler leader) on WEB_HOST:PORT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot import runtime, web
from bot.core import Core
from bot.delivery.leader import Leadership
from bot.settings import Settings
from bot.store import migrate
from tests.conftest import PG_URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get_health(port: int) -> tuple[int, dict[str, Any]]:
    """GET /healthz once the server listens."""
    async with aiohttp.ClientSession() as http:
        for _ in range(250):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    return answer.status, await answer.json()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
    raise AssertionError("the web server did not start")


@contextlib.asynccontextmanager
async def running(coro: Any) -> Any:
    task = asyncio.ensure_future(coro)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_the_web_role_listens_on_localhost_unless_told_and_on_port_when_set(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (settings.web_host, web.port_of(settings)) == ("127.0.0.1", 3000)
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("WEB_HOST", "0.0.0.0")
    chosen = Settings(_env_file=None)
    assert (chosen.web_host, web.port_of(chosen)) == ("0.0.0.0", 8123)


async def test_healthz_says_the_database_the_schema_and_who_leads_the_scheduler(
    core: Core, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    served = settings.model_copy(update={"port": port})
    async with running(runtime.serve(core, served, "all", idle=0.05)):
        status, body = await get_health(port)
        for _ in range(100):  # the scheduler may take a moment to lead
            if body["scheduler"]:
                break
            await asyncio.sleep(0.05)
            status, body = await get_health(port)
    assert status == 200, body
    assert body["ok"] is True
    assert (body["database"], body["schema"]) == ("reachable", "current")
    assert body["scheduler"] == "this process" or body["scheduler"].startswith("pid ")
    started = [r for r in caplog.records if r.name == "uvicorn.error"]
    assert any(f"127.0.0.1:{port}" in r.getMessage() for r in started)  # uvicorn logs through ours


async def test_healthz_is_503_on_a_schema_that_is_not_this_versions(core: Core) -> None:
    first = min(migrate.known_revisions())
    async with core.db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": first})
    leading = Leadership(core.db, key=0x0B57_0001)
    await leading.try_acquire()
    try:
        found = await web.health(core.db, leading)
    finally:
        await leading.release()
    assert not found.ok
    assert found.as_json() == {
        "ok": False,
        "database": "reachable",
        "schema": f"at {first}",
        "scheduler": "this process",
    }


async def test_healthz_is_503_when_no_scheduler_is_known_to_lead(core: Core) -> None:
    standby = Leadership(core.db, key=0x0B57_0002)
    found = await web.health(core.db, standby)
    assert (found.ok, found.scheduler) == (False, None)


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
async def test_on_postgresql_a_web_process_names_the_server_process_that_leads(
    core: Core,
) -> None:
    if core.db.is_sqlite:
        pytest.skip("the lock is PostgreSQL's")
    key = 0x0B57_0003
    leader = Leadership(core.db, key=key)
    assert await leader.try_acquire()
    try:
        assert leader._conn is not None
        pid = await leader._conn.scalar(text("SELECT pg_backend_pid()"))
        found = await web.health(core.db, Leadership(core.db, key=key))
    finally:
        await leader.release()
    assert found.ok and found.scheduler == f"pid {pid}"
    assert (await web.health(core.db, Leadership(core.db, key=key))).scheduler is None
