"""Membership sync on Discord: each community by its own channel whatever other channels the guild
has, role changes followed both ways, and a team that a role decides is not set by command."""

from __future__ import annotations

import asyncio
from itertools import permutations

import pytest
from sqlalchemy import select

from adapters.discord import Rules
from bot.core import Core
from bot.domain import Platform
from bot.store.models import MemberRow
from bot.texts import copy
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord, reply_text
from tests.fakes.discord.world import Channel, Guild, Member


async def active_by_community(core: Core) -> dict[int, set[str]]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    found: dict[int, set[str]] = {}
    for row in rows:
        if row.status == "active":
            found.setdefault(row.community_id, set()).add(row.platform_id)
    return found


def several_channels(
    fake: FakeDiscord, order: tuple[str, ...]
) -> tuple[Guild, dict[str, Channel], list[Member]]:
    """A guild whose text channels are made in ``order``: public #coffee and #general, and #mods
    private to the mods role; six people, the first two of them mods."""
    world = fake.world
    guild = world.add_guild("Acme")
    world.add_role(guild, "mods")
    channels = {name: world.add_channel(guild, name) for name in order}
    world.make_private(channels["mods"], "mods")
    people = [
        world.add_member(guild, f"Person{i} Smith", roles=("mods",) if i < 2 else ())
        for i in range(6)
    ]
    return guild, channels, people


@pytest.mark.parametrize("order", list(permutations(("coffee", "mods", "general"))))
async def test_a_community_is_synced_by_its_own_channel_whatever_the_others(
    core: Core, fake: FakeDiscord, order: tuple[str, ...]
) -> None:
    guild, channels, people = several_channels(fake, order)
    coffee = await core.ensure_community(
        Platform.DISCORD, guild.id, channels["coffee"].id, name="Coffee"
    )
    started = await start_client(core, fake)
    try:
        everyone = {p.user.id for p in people} | {guild.owner_id}
        assert await active_by_community(core) == {coffee: everyone}
        mods = await core.ensure_community(
            Platform.DISCORD, guild.id, channels["mods"].id, name="Mods"
        )
        started.client.synced.clear()
        await started.client.sync_guild(started.client.get_guild(int(guild.id)))  # type: ignore[arg-type]
        mod_ids = {p.user.id for p in people[:2]} | {guild.owner_id}
        assert await active_by_community(core) == {coffee: everyone, mods: mod_ids}
    finally:
        await started.stop()


async def test_getting_the_opt_in_role_back_enrols_again(core: Core, fake: FakeDiscord) -> None:
    community = await registered(core, a_guild(fake, members=3, opt_in_role="coffee"))
    started = await start_client(core, fake, rules=Rules(opt_in_role="coffee"))
    try:
        coffee = community.guild.role_named("coffee").id
        member = community.members[0]
        for change in (member.roles.remove, member.roles.append):
            change(coffee)
            started.client.synced.clear()
            update = member.payload() | {"guild_id": community.guild.id}
            await fake.gateway.dispatch("GUILD_MEMBER_UPDATE", update)
            await asyncio.wait_for(started.client.synced.wait(), 5)
            holding = coffee in member.roles
            assert (member.user.id in (await active_by_community(core))[community.id]) is holding
        status = await fake.slash(member.user, community.guild, community.channel, "status")
        assert copy("state.active") in reply_text(status)
    finally:
        await started.stop()


async def test_the_team_command_says_the_role_decides_for_someone_with_a_team_role(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=2))
    started = await start_client(core, fake)
    try:
        member = community.members[0]
        said = await fake.slash(
            member.user, community.guild, community.channel, "team", path="Acme/Legal"
        )
        assert reply_text(said) == copy(
            "team.from_role", first_name="Person000", team="Acme/Team 1"
        )
        owner = fake.world.users[community.guild.owner_id]  # no team role: may set one
        said = await fake.slash(
            owner, community.guild, community.channel, "team", path="Acme/Legal"
        )
        assert reply_text(said) == copy("team.ok", first_name="Acme", team="Acme/Legal")
    finally:
        await started.stop()


async def test_a_team_role_over_the_limits_enrols_its_holder_with_the_path_cut(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=1))
    long_role = "team:Acme/" + "R" * 70
    fake.world.add_role(community.guild, long_role)
    community.members[0].roles = [community.guild.role_named(long_role).id]
    started = await start_client(core, fake)
    try:
        async with core.db.session() as session:
            row = await session.scalar(
                select(MemberRow).where(MemberRow.platform_id == community.members[0].user.id)
            )
        assert row is not None and row.status == "active"
        assert row.team == "Acme/" + "R" * 60
    finally:
        await started.stop()


async def test_a_one_off_sync_connects_syncs_its_community_and_disconnects(
    core: Core, fake: FakeDiscord
) -> None:
    from pydantic import SecretStr

    from adapters.discord import sync_community
    from bot.settings import Settings

    community = await registered(core, a_guild(fake, members=4))
    settings = Settings(
        _env_file=None,
        discord_token=SecretStr(fake.token),
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )
    seen: list[tuple[int, int]] = []
    report = await sync_community(
        settings,
        core,
        await core.community_of(community.id),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.enrolled == 5 and report.left_out == {"bot": 2}  # four people, the owner
    assert seen == [(7, 7)]  # all who see the channel, bots too
    assert set((await active_by_community(core))[community.id]) == {
        m.user.id for m in community.members
    } | {community.guild.owner_id}
    assert len(fake.gateway.identified) == 1
