"""The bot removed from a guild: the fake gateway sends GUILD_DELETE without ``unavailable``
(discord.py's ``on_guild_remove``), the guild's communities are marked uninstalled with their
messages dead; an outage (``unavailable: true``) marks nothing; the bot invited back clears it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.core import Core
from bot.delivery import outbox
from bot.messages import Text
from bot.store import repo
from bot.store.models import CommunityRow
from tests.adapters.discord.conftest import START_TIMEOUT, a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord


async def row_of(core: Core, cid: int) -> CommunityRow:
    async with core.db.session() as session:
        row = await repo.get_community(session, cid)
    assert row is not None
    return row


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``check`` holds (an upper bound for a loaded machine, not a speed check)."""
    async with asyncio.timeout(START_TIMEOUT):
        while not await check():
            await asyncio.sleep(0.02)


async def test_removing_the_bot_uninstalls_the_guilds_communities_and_inviting_it_back_clears_it(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake))
    elsewhere = await registered(core, a_guild(fake))
    async with core.db.session() as session, session.begin():
        await outbox.enqueue(
            session,
            community_id=community.id,
            key="hello",
            kind="text",
            message=Text("hello"),
            conversation_id=community.channel.id,
        )
    started = await start_client(core, fake)
    try:

        def marked(cid: int) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                return (await row_of(core, cid)).uninstalled_at is not None

            return check

        await fake.gateway.dispatch("GUILD_DELETE", {"id": community.guild.id, "unavailable": True})
        await fake.gateway.remove_bot(elsewhere.guild.id)  # after the outage, on one connection
        await eventually(marked(elsewhere.id))
        assert not await marked(community.id)()  # an outage is no removal
        await fake.gateway.dispatch("GUILD_CREATE", community.guild.payload(fake.world))

        await fake.gateway.remove_bot(community.guild.id)
        await eventually(marked(community.id))

        row = await row_of(core, community.id)
        assert row.uninstall_reason == "removed from the guild"
        async with core.db.session() as session:
            status = await outbox.status(session)
        assert status.dead_reasons == (("hello", "removed from the guild: not sent"),)

        async def cleared() -> bool:
            return not await marked(community.id)()

        await fake.gateway.add_bot_back(community.guild.id)
        await eventually(cleared)
        assert await marked(elsewhere.id)()
    finally:
        await started.stop()
