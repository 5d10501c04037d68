from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select

from bot import runtime
from bot.core import Core
from bot.errors import ConfigError, InputError
from bot.services.digest import LLMConfig
from bot.settings import Settings
from bot.store.models import OutboxRow, apscheduler_jobs
from tests.conftest import WHERE, say


async def run_for(seconds: float, coro: object) -> None:
    task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_the_sender_role_drains_the_outbox_through_the_communitys_adapter(
    core: Core, community: int, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(4):
        await core.handle(say(f"p{i}", "join"))
    await core.run_round(community)
    await run_for(1.0, runtime.serve(core, settings, "sender", idle=0.05))
    async with core.db.session() as session:
        statuses = (await session.scalars(select(OutboxRow.status))).all()
    assert statuses == ["sent", "sent"]
    assert capsys.readouterr().out.count("You're this round's introduction") == 2


async def test_the_scheduler_role_leads_and_stores_each_communitys_jobs(
    core: Core, community: int, settings: Settings
) -> None:
    await run_for(1.0, runtime.serve(core, settings, "scheduler"))
    async with core.db.session() as session:
        ids = set((await session.execute(select(apscheduler_jobs.c.id))).scalars().all())
    kinds = ("intros", "followups", "sweep", "digest")
    assert ids == {f"{kind}:{community}" for kind in kinds} | {"purge", "retention"}  # for all


async def test_an_unknown_role_or_no_platform_is_refused(core: Core, settings: Settings) -> None:
    with pytest.raises(InputError, match="there is no role 'chef'"):
        await runtime.serve(core, settings, "chef")
    with pytest.raises(ConfigError, match="--role web serves Slack.s HTTP mode and the leads"):
        await runtime.serve(core, settings, "web")


async def test_the_platforms_give_the_llm_the_members_names_they_list_at_digest_time(
    core: Core, community: int, settings: Settings
) -> None:
    core.use_roster(lambda _: asyncio.sleep(0, result=[]))
    assert core.llm is None  # no LLM configured: nothing to redact for
    core.llm = core.dispatcher.llm = LLMConfig("http://127.0.0.1:9/v1", "k", "m")
    platforms = runtime.Platforms(settings, core)
    await platforms.open(gateway=False)
    try:
        assert core.llm.roster == platforms.roster
        assert core.dispatcher.llm is core.llm
        found = await core.community(WHERE)
        assert found is not None
        assert await platforms.roster(found) == []  # the console space lists nobody yet
    finally:
        await platforms.close()
