"""One community across a coalition's Discord servers: an admin links another server, its
members are synced under its name (their organisation), and a group whose people share no server
meets by direct messages, while a group all in the pairing channel's server gets its thread."""

from __future__ import annotations

from sqlalchemy import select

from adapters.discord import chat_for
from bot.core import Core
from bot.store.models import MemberRow
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.world import DM, PRIVATE_THREAD


async def test_a_linked_servers_members_take_part_and_meet_across_servers_by_dm(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=6, teams=3))
    globex = fake.world.add_guild("Globex")
    partners = [fake.world.add_member(globex, f"Partner{i} Jones") for i in range(4)]
    linked = await core.link_workspace(community.id, globex.id)
    assert linked.linked == (globex.id,)
    running = await start_client(core, fake)
    try:
        report = await core.sync_community(community.id, running.client.chats(linked))
        assert report.left_out == {"bot": 2}  # Bridgework and the other bot, once each
        async with core.db.session() as session:
            teams = {m.platform_id: m.team for m in (await session.scalars(select(MemberRow)))}
        for partner in partners:
            assert teams[partner.user.id] == "Globex"
        for person in community.members:
            assert teams[person.user.id].startswith("Acme/Team ")
        result = await core.run_round(community.id)
        drained = await core.sender(chat_for(running.client)).drain(
            community_id=community.id, max_wait=10
        )
        assert drained.sent == len(result.groups) and drained.dead == 0
    finally:
        await running.stop()
    outside = {p.user.id for p in partners} | {globex.owner_id}
    mixed = [g for g in result.groups if set(g) & outside]
    assert mixed, "the pairing engine mixes the servers"
    threads = [c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
    assert len(threads) == len(result.groups) - len(mixed)
    for thread in threads:
        assert not set(thread.members) & outside  # a thread holds only its server's people
    dms = {c.recipients[0].id: c for c in fake.world.channels.values() if c.type == DM}
    for group in mixed:
        for pid in group:  # each of them told privately, naming the others
            assert fake.messages_in(dms[pid].id), f"{pid} got no direct message"
