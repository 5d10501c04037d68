"""On Discord: a message in an introduction's thread answers it (with reading messages on);
whoever answers none of three is told in a direct message, whose "Keep me in" brings them back."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from adapters.discord import chat_for
from bot.core import Core
from bot.store.models import GroupRow, MemberRow
from bot.store.standing import GroupAnswerRow
from bot.texts import copy
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.conftest import MovableClock
from tests.fakes.discord import FakeDiscord, button_ids, reply_text
from tests.fakes.discord.world import DM


async def answers(core: Core) -> int:
    async with core.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(GroupAnswerRow)) or 0)


async def test_messages_in_intro_threads_answer_them_and_keep_me_in_brings_the_quiet_one_back(
    core: Core, fake: FakeDiscord, clock: MovableClock
) -> None:
    community = await registered(core, a_guild(fake, members=6, teams=3))
    started = await start_client(core, fake, read_messages=True)
    ghost = community.members[0].user
    try:
        sender = core.sender(chat_for(started.client))
        written = 0
        for _ in range(3):
            result = await core.run_round(community.id)
            assert str(ghost.id) in {p for g in result.groups for p in g}
            await sender.drain(community_id=community.id, max_wait=5)
            async with core.db.session() as session:
                groups = (
                    await session.scalars(
                        select(GroupRow).where(GroupRow.round_id == result.round_id)
                    )
                ).all()
            for group in groups:
                assert group.conversation_id is not None
                thread = fake.world.channels[group.conversation_id]
                for person in thread.members:
                    if person in (ghost.id, fake.world.bot.id):
                        continue
                    written += 1
                    said = fake.world.message_from(fake.world.users[person], thread, "Tuesday?")
                    await fake.gateway.dispatch("MESSAGE_CREATE", said)
            for _ in range(250):
                if await answers(core) == written:
                    break
                await asyncio.sleep(0.02)
            assert await answers(core) == written
            clock.advance(weeks=1)

        fourth = await core.run_round(community.id)
        assert str(ghost.id) not in {p for g in fourth.groups for p in g}
        await sender.drain(community_id=community.id, max_wait=5)
        async with core.db.session() as session:
            member = await session.scalar(
                select(MemberRow).where(MemberRow.platform_id == str(ghost.id))
            )
            assert member is not None and member.status == "paused"
            first_name = member.first_name
        notice = copy("quiet.paused", first_name=first_name, n=3)
        [(dm, message)] = [
            (c, m)
            for c in fake.world.channels.values()
            if c.type == DM
            for m in fake.messages_in(c.id)
            if notice in json.dumps(m, ensure_ascii=False)
        ]
        assert [u.id for u in dm.recipients] == [ghost.id]
        keep = button_ids(message)[copy("quiet.keep_me_in")]
        response = await fake.press(ghost, None, dm, message, keep)
        assert copy("quiet.kept_in", first_name=first_name) in reply_text(response)
    finally:
        await started.stop()
    async with core.db.session() as session:
        member = await session.scalar(
            select(MemberRow).where(MemberRow.platform_id == str(ghost.id))
        )
        assert member is not None and member.status == "active"


async def test_with_intros_by_dm_a_reply_by_dm_answers_them_and_whoever_never_replies_is_paused(
    core: Core, fake: FakeDiscord, clock: MovableClock
) -> None:
    community = await registered(core, a_guild(fake, members=6, teams=3))
    fake.world.forbid_private_threads(community.channel)  # intros go out as direct messages
    started = await start_client(core, fake)  # reading guild messages stays off
    ghost = community.members[0].user
    try:
        sender = core.sender(chat_for(started.client))
        written = 0
        for _ in range(3):
            result = await core.run_round(community.id)
            assert str(ghost.id) in {p for g in result.groups for p in g}
            await sender.drain(community_id=community.id, max_wait=5)
            dms = [c for c in fake.world.channels.values() if c.type == DM]
            assert sorted(str(c.recipients[0].id) for c in dms) == sorted(
                p for g in result.groups for p in g
            )
            for dm in dms:
                person = dm.recipients[0]
                if person.id == ghost.id:
                    continue
                written += 1
                said = fake.world.message_from(person, dm, "Thursday suits me")
                for _ in range(2):  # the gateway may deliver a message again
                    await fake.gateway.dispatch("MESSAGE_CREATE", said)
            for _ in range(250):
                if await answers(core) == written:
                    break
                await asyncio.sleep(0.02)
            assert await answers(core) == written
            clock.advance(weeks=1)

        fourth = await core.run_round(community.id)
        placed = {p for g in fourth.groups for p in g}
        assert placed == {str(m.user.id) for m in community.members[1:]} | {
            community.guild.owner_id
        }
        async with core.db.session() as session:
            paused = await session.scalars(select(MemberRow).where(MemberRow.status == "paused"))
            assert [m.platform_id for m in paused.all()] == [str(ghost.id)]
        assert fake.rest.violations == []
    finally:
        await started.stop()
