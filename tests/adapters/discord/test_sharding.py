"""Sharding: DISCORD_SHARDS picks discord.py's AutoShardedClient, which asks Discord how many
shards to run (GET /gateway/bot) or takes the number set, and identifies once per shard; the fake
gateway gives each shard its own guilds and refuses an unsharded session that holds too many."""

from __future__ import annotations

import asyncio

import discord
import pytest
from pydantic import SecretStr

from adapters.discord import BridgeworkClient, ShardedBridgeworkClient, build_client, serve
from bot.core import Core
from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.adapters.discord.conftest import a_guild, registered
from tests.fakes.discord import FakeDiscord, reply_text


def settings_for(fake: FakeDiscord, shards: str = "") -> Settings:
    return Settings(
        _env_file=None,
        discord_token=SecretStr(fake.token),
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
        discord_shards=shards,
    )


@pytest.mark.parametrize(
    ("shards", "kind", "count"),
    [("", BridgeworkClient, None), ("auto", ShardedBridgeworkClient, None), ("3", None, 3)],
)
async def test_the_shards_setting_picks_the_client_class(
    core: Core, fake: FakeDiscord, shards: str, kind: type | None, count: int | None
) -> None:
    client = build_client(settings_for(fake, shards), core)  # not signed in: nothing to close
    if kind is BridgeworkClient:
        assert not isinstance(client, discord.AutoShardedClient)
    else:
        assert isinstance(client, ShardedBridgeworkClient)
        assert client.shard_count == count


def test_a_bad_shards_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARDS", "many")
    with pytest.raises(ConfigError, match="DISCORD_SHARDS"):
        load_settings(env_file=None)
    monkeypatch.setenv("DISCORD_SHARDS", "0")
    with pytest.raises(ConfigError, match="DISCORD_SHARDS"):
        load_settings(env_file=None)
    monkeypatch.setenv("DISCORD_SHARDS", " Auto ")
    assert load_settings(env_file=None).discord_shards == "auto"


async def serving(settings: Settings, core: Core) -> tuple[BridgeworkClient, asyncio.Task[None]]:
    client = build_client(settings, core, sync_delay=0.01, guild_ready_timeout=0.05)
    task = asyncio.create_task(serve(settings, core, client=client))
    return client, task


async def test_auto_sharding_takes_discords_count_and_serves_every_guild_from_its_shard(
    core: Core, fake: FakeDiscord
) -> None:
    fake.world.recommended_shards = 2
    fake.gateway.max_guilds_per_shard = 3
    communities = []
    for index in range(4):
        if index % 2:
            fake.world.ids.next()  # a guild created a millisecond later: on the other shard
        communities.append(await registered(core, a_guild(fake, members=3)))
    client, task = await serving(settings_for(fake, "auto"), core)
    try:
        await asyncio.wait_for(client.wait_until_ready(), 20)
        assert fake.requests("GET", "/gateway/bot")
        assert sorted(tuple(i["shard"]) for i in fake.gateway.identified) == [(0, 2), (1, 2)]
        assert {str(g.id) for g in client.guilds} == {c.guild.id for c in communities}
        by_shard = {fake.gateway.shard_of(c.guild.id, 2) for c in communities}
        assert by_shard == {0, 1}, "the test's guilds should fall on both shards"
        for _ in range(400):  # each shard registers its guilds' commands once it is ready
            if all(fake.world.commands.get(c.guild.id) for c in communities):
                break
            await asyncio.sleep(0.05)
        for community in communities:  # each guild's command reaches the client on its shard
            who = community.members[0].user
            answer = await fake.slash(who, community.guild, community.channel, "status")
            assert reply_text(answer)
        assert fake.rest.violations == []
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_without_shards_past_the_guild_limit_discord_closes_with_sharding_required(
    core: Core, fake: FakeDiscord
) -> None:
    fake.gateway.max_guilds_per_shard = 2  # Discord's is 2,500; three guilds stand in for more
    for index in range(3):
        if index % 2:
            fake.world.ids.next()
        a_guild(fake, members=2)
    client, task = await serving(settings_for(fake), core)
    with pytest.raises(ConfigError, match="DISCORD_SHARDS: .*set it to auto"):
        await asyncio.wait_for(task, 20)
    assert client.is_closed()
    fake.gateway.identified.clear()
    client, task = await serving(settings_for(fake, "2"), core)
    try:
        await asyncio.wait_for(client.wait_until_ready(), 20)
        assert sorted(tuple(i["shard"]) for i in fake.gateway.identified) == [(0, 2), (1, 2)]
        assert len(client.guilds) == 3
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
