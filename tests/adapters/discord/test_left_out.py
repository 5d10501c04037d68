"""On Discord: whom a round cannot place gets the notice in a direct message."""

from __future__ import annotations

import json

from sqlalchemy import select

from adapters.discord import chat_for
from bot.core import Core
from bot.store.models import MemberRow
from bot.texts import copy
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.world import DM


async def test_the_one_left_out_is_told_in_a_direct_message(core: Core, fake: FakeDiscord) -> None:
    community = await registered(core, a_guild(fake, members=3, teams=3))
    started = await start_client(core, fake)
    try:
        left = str(community.members[0].user.id)
        async with core.db.transaction() as session:
            enrolled = (await session.scalars(select(MemberRow))).all()
            others = [m.platform_id for m in enrolled if m.platform_id != left]
            member = next(m for m in enrolled if m.platform_id == left)
            member.never_with = others  # the three others (the owner too) pair without them
            first_name = member.first_name
        result = await core.run_round(community.id)
        assert sorted(p for g in result.groups for p in g) == sorted(others)
        report = await core.sender(chat_for(started.client)).drain(
            community_id=community.id, max_wait=5
        )
        assert report.sent == len(result.groups) + 1 and report.dead == 0
    finally:
        await started.stop()
    notice = copy("left_out.notice", first_name=first_name)
    told = [
        dm.recipients[0].id
        for dm in fake.world.channels.values()
        if dm.type == DM and any(notice in json.dumps(m) for m in fake.messages_in(dm.id))
    ]
    assert [str(pid) for pid in told] == [left]
