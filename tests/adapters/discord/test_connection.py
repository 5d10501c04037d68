"""Connecting: sign in, identify with the intents Bridgework needs, sync the commands per guild,
enrol the members from the guild's roles."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.discord import BridgeworkClient, Rules, build_client, serve
from adapters.discord.commands import MAX_CHOICES
from bot.core import Core
from bot.set_command import SET_USAGE
from bot.settings import Settings
from bot.store.models import MemberRow
from bot.texts import copy
from tests.adapters.discord.conftest import (
    LARGE_TIMEOUT,
    Community,
    a_guild,
    registered,
    start_client,
)
from tests.fakes.discord import FakeDiscord, reply_text

GUILDS, GUILD_MEMBERS, GUILD_MESSAGES = 1 << 0, 1 << 1, 1 << 9
DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 12, 1 << 15
MANAGE_GUILD = 1 << 5


async def test_the_client_identifies_with_guilds_members_and_dms_but_not_message_content(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    intents = int(fake.gateway.identified[0]["intents"])
    assert intents & GUILDS and intents & GUILD_MEMBERS
    assert intents & DIRECT_MESSAGES  # a reply by DM answers an introduction sent by DM
    assert not intents & MESSAGE_CONTENT and not intents & GUILD_MESSAGES
    assert fake.rest.violations == []


async def test_bridgework_commands_are_synced_to_each_guild_with_their_permissions(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    synced = fake.requests("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    assert [r.path.rsplit("/", 2)[-2] for r in synced] == [community.guild.id]
    commands = {c["name"]: c for c in synced[0].body}
    assert set(commands) == {"bridgework", "bridgework-lead", "bridgework-admin"}

    def subcommands(name: str) -> set[str]:
        return {option["name"] for option in commands[name]["options"]}

    member = {"join", "leave", "pause", "resume", "team", "hours", "about", "intro", "status"}
    assert member | {"help"} <= subcommands("bridgework")
    assert subcommands("bridgework-lead") == {
        *("prompt", "checkin", "library", "themes", "digest", "dashboard", "suggest")
    }
    assert subcommands("bridgework-admin") == {"set", "role", "roles", "opt-out", "opt-in", "skip"}
    assert commands["bridgework"]["default_member_permissions"] is None
    assert commands["bridgework-lead"]["default_member_permissions"] is None
    assert int(commands["bridgework-admin"]["default_member_permissions"]) == MANAGE_GUILD
    assert fake.rest.violations == []


async def active_teams(core: Core) -> dict[str, str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    return {row.platform_id: row.team for row in rows if row.status == "active"}


async def test_people_who_see_the_channel_are_enrolled_with_the_team_their_role_names(
    running: tuple[Community, BridgeworkClient], core: Core
) -> None:
    community, _ = running
    expected = {m.user.id: f"Acme/Team {i % 3 + 1}" for i, m in enumerate(community.members)}
    expected[community.guild.owner_id] = "Unassigned"  # no team role; the bots are left out
    assert await active_teams(core) == expected


async def test_with_an_opt_in_role_only_its_holders_take_part_and_follow_its_changes(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=4, opt_in_role="coffee"))
    newcomer = fake.world.add_member(community.guild, "New Person", roles=("team:Acme/Team 2",))
    started = await start_client(core, fake, rules=Rules(opt_in_role="coffee"))
    try:
        assert set(await active_teams(core)) == {m.user.id for m in community.members}
        coffee = community.guild.role_named("coffee").id
        newcomer.roles.append(coffee)
        leaver = community.members[0]
        leaver.roles.remove(coffee)
        started.client.synced.clear()
        for member in (newcomer, leaver):
            update = member.payload() | {"guild_id": community.guild.id}
            await fake.gateway.dispatch("GUILD_MEMBER_UPDATE", update)
        await asyncio.wait_for(started.client.synced.wait(), 5)
        expected = {m.user.id for m in community.members[1:]} | {newcomer.user.id}
        teams = await active_teams(core)
        assert set(teams) == expected and teams[newcomer.user.id] == "Acme/Team 2"
    finally:
        await started.stop()


async def test_a_member_who_leaves_the_guild_is_taken_out(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    gone = community.members[0]
    del community.guild.members[gone.user.id]
    client.synced.clear()
    removal = {"guild_id": community.guild.id, "user": gone.user.payload()}
    await fake.gateway.dispatch("GUILD_MEMBER_REMOVE", removal)
    await asyncio.wait_for(client.synced.wait(), 5)
    assert gone.user.id not in await active_teams(core)


async def test_team_roles_can_be_listed_by_name_instead_of_a_prefix(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=2, teams=1))
    fake.world.add_role(community.guild, "Design")
    community.members[1].roles = [community.guild.role_named("Design").id]
    started = await start_client(core, fake, rules=Rules(team_prefix="", team_roles=("Design",)))
    try:
        teams = await active_teams(core)
        assert teams[community.members[1].user.id] == "Design"
        assert teams[community.members[0].user.id] == "Unassigned"  # the prefix is off
    finally:
        await started.stop()


async def test_without_the_members_intent_turned_on_the_client_says_so(
    core: Core, fake: FakeDiscord
) -> None:
    await registered(core, a_guild(fake))
    fake.world.members_intent = False
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await start_client(core, fake)


async def test_serve_connects_with_the_settings_urls_and_stops_when_cancelled(
    core: Core, fake: FakeDiscord
) -> None:
    await registered(core, a_guild(fake))
    settings = Settings(
        _env_file=None,
        discord_token=SecretStr(fake.token),
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )
    client = build_client(settings, core, sync_delay=0.01, guild_ready_timeout=0.05)
    task = asyncio.create_task(serve(settings, core, client=client))
    await asyncio.wait_for(client.synced.wait(), 10)
    assert len(fake.gateway.identified) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.is_closed()


async def test_renaming_a_role_into_a_team_role_moves_its_holders_to_that_team(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    role = community.guild.role_named("team:Acme/Team 1")
    role.name = "team:Acme/Research"
    client.synced.clear()
    update = {"guild_id": community.guild.id, "role": role.payload()}
    await fake.gateway.dispatch("GUILD_ROLE_UPDATE", update)
    await asyncio.wait_for(client.synced.wait(), 5)
    teams = await active_teams(core)
    assert teams[community.members[0].user.id] == "Acme/Research"
    assert teams[community.members[1].user.id] == "Acme/Team 2"


async def test_a_large_guilds_members_are_asked_for_in_chunks_and_all_enrolled(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=1200, teams=4))
    started = await start_client(core, fake, timeout=LARGE_TIMEOUT)
    try:
        assert fake.gateway.chunk_requests == 1
        enrolled = await active_teams(core)
        assert {m.user.id for m in community.members} <= set(enrolled)
        assert len(enrolled) == 1201  # and the owner
    finally:
        await started.stop()


async def test_heartbeats_are_acknowledged_and_the_connection_stays_up(
    core: Core, fake: FakeDiscord
) -> None:
    await registered(core, a_guild(fake))
    fake.gateway.heartbeat_interval = 50
    started = await start_client(core, fake)
    try:
        for _ in range(100):
            if fake.gateway.heartbeats >= 3:
                break
            await asyncio.sleep(0.05)
        assert fake.gateway.heartbeats >= 3
        assert started.client.latency != float("inf")  # an ACK came back for a heartbeat
        assert len(fake.gateway.identified) == 1  # no reconnect
    finally:
        await started.stop()


async def test_with_an_opt_in_role_joining_without_it_says_what_lets_one_in(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=2, opt_in_role="coffee"))
    outsider = fake.world.add_member(community.guild, "Out Sider", roles=("team:Acme/Team 2",))
    started = await start_client(core, fake, rules=Rules(opt_in_role="coffee"))
    try:
        refused = await fake.slash(outsider.user, community.guild, community.channel, "join")
        assert reply_text(refused) == copy("join.not_listed", first_name="Out")
        assert outsider.user.id not in await active_teams(core)
        holder = community.members[0].user
        await fake.slash(holder, community.guild, community.channel, "leave")
        back = await fake.slash(holder, community.guild, community.channel, "join")
        assert "You're in" in reply_text(back)
        assert holder.id in await active_teams(core)
    finally:
        await started.stop()


async def test_no_voice_support_warning_is_logged(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    discord.VoiceClient.warn_nacl = True  # as on a fresh interpreter without PyNaCl
    caplog.set_level(logging.DEBUG)
    client = BridgeworkClient(core)
    await client.close()
    assert "voice will NOT be supported" not in caplog.text


async def test_set_offers_every_setting_the_core_takes_within_discords_25_choices(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    (synced,) = fake.requests("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    admin = next(c for c in synced.body if c["name"] == "bridgework-admin")
    subcommand = next(o for o in admin["options"] if o["name"] == "set")
    setting = next(o for o in subcommand["options"] if o["name"] == "setting")
    offered = [choice["value"] for choice in setting["choices"]]
    assert offered == list(SET_USAGE)  # half-life, leads-in-groups, holdout … and any new one
    assert len(SET_USAGE) <= MAX_CHOICES, "more settings than Discord's choices: autocomplete"
    assert fake.rest.violations == []
