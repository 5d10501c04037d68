"""Real failure: sender processes SIGKILLed mid-delivery, restarted, and nothing lost or doubled."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.ports import MemberInfo
from bot.store.models import OutboxRow
from tests.fakes.platform import FakePlatform

ROOT = Path(__file__).resolve().parents[3]
MEMBERS = 500


async def a_round_of(core: Core, community: int, members: int) -> int:
    infos = [
        MemberInfo(f"u{i:04d}", f"Person{i} Example", team=f"Acme/D{i % 4}/T{i % 9}")
        for i in range(members)
    ]
    await core.sync_members(community, infos)
    result = await core.run_round(community)
    return len(result.groups)


async def start_sender(db_url: str, url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.sender_process",
        db_url,
        url,
        "0.5",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def kill_when_shown(
    platform: FakePlatform, process: asyncio.subprocess.Process, count: int
) -> None:
    for _ in range(3000):
        if len(platform.shown) >= count or process.returncode is not None:
            break
        await asyncio.sleep(0.01)
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def assert_each_group_got_exactly_one_intro(
    core: Core, platform: FakePlatform, groups: int
) -> None:
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert len(rows) == groups
    assert {r.status for r in rows} == {"sent"}
    assert len(platform.shown) == groups
    assert all(len(keys) == 1 for keys in platform.order.values())
    assert len(platform.order) == groups
    for row in rows:
        assert row.platform_message_id == platform.shown[row.key].message_id


async def test_a_sender_killed_at_random_points_delivers_each_intro_exactly_once(
    core: Core, community: int, db_url: str
) -> None:
    groups = await a_round_of(core, community, MEMBERS)
    platform = FakePlatform()
    url = await platform.start()
    try:
        rng = random.Random(2027)
        points = sorted(rng.sample(range(5, groups - 5), 3))
        for point in points:
            process = await start_sender(db_url, url)
            await kill_when_shown(platform, process, point)
            assert process.returncode == -signal.SIGKILL
        final = await start_sender(db_url, url)
        assert await final.wait() == 0
        await assert_each_group_got_exactly_one_intro(core, platform, groups)
        assert sum(platform.attempts.values()) >= groups
    finally:
        await platform.stop()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_two_senders_on_postgresql_killed_and_restarted_deliver_each_intro_once(
    core: Core, community: int, db_url: str
) -> None:
    groups = await a_round_of(core, community, MEMBERS)
    platform = FakePlatform()
    url = await platform.start()
    try:
        rng = random.Random(7)
        for point in sorted(rng.sample(range(10, groups - 10), 2)):
            first, second = await start_sender(db_url, url), await start_sender(db_url, url)
            victim = rng.choice([first, second])
            await kill_when_shown(platform, victim, point)
            survivor = second if victim is first else first
            survivor.send_signal(signal.SIGKILL)
            await survivor.wait()
        finals = [await start_sender(db_url, url), await start_sender(db_url, url)]
        assert [await p.wait() for p in finals] == [0, 0]
        await assert_each_group_got_exactly_one_intro(core, platform, groups)
    finally:
        await platform.stop()
