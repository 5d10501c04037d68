from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.delivery.leader import Leadership
from bot.store.db import Database

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_a_standby_scheduler_stays_idle_until_the_leader_dies_then_takes_over(
    db_url: str,
) -> None:
    leader = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.leader_process",
        db_url,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    db = Database(db_url)
    standby = Leadership(db)
    try:
        assert leader.stdout is not None
        assert (await asyncio.wait_for(leader.stdout.readline(), 30)).strip() == b"leading"
        for _ in range(5):
            assert not await standby.try_acquire()
            await asyncio.sleep(0.1)
        leader.send_signal(signal.SIGKILL)
        await leader.wait()
        await asyncio.wait_for(standby.wait(poll=0.5), timeout=30)  # the takeover bound
        assert standby.leading
        assert await standby.still_leading()
        other = Leadership(db)
        assert not await other.try_acquire()
        await other.release()
    finally:
        if leader.returncode is None:
            leader.kill()
            await leader.wait()
        await standby.release()
        await db.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_on_sqlite_the_one_process_leads(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert await Leadership(db).try_acquire()
    finally:
        await db.dispose()
