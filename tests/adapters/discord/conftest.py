"""Fixtures: a local fake Discord, a guild built by a small factory, and the real discord.py
client of the adapter running against both, on the core the shared conftest opens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.discord import BridgeworkClient, Rules
from adapters.discord.endpoints import use_endpoints
from bot.core import Core
from bot.domain import Platform
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.world import Channel, Guild, Member

START_TIMEOUT = 10.0  # a small guild; a large one's chunks and enrolment get LARGE_TIMEOUT
LARGE_TIMEOUT = 120.0


@dataclass
class Community:
    """A guild on the fake with its pairing channel, and the core's community for it."""

    guild: Guild
    channel: Channel
    members: list[Member]
    id: int = 0


def a_guild(
    fake: FakeDiscord, *, members: int = 6, teams: int = 3, opt_in_role: str | None = None
) -> Community:
    """A guild with ``teams`` team roles (``team:Acme/Team N``) shared round-robin by
    ``members`` people, a #coffee pairing channel, and a bot account besides."""
    world = fake.world
    guild = world.add_guild("Acme")
    for number in range(teams):
        world.add_role(guild, f"team:Acme/Team {number + 1}")
    if opt_in_role:
        world.add_role(guild, opt_in_role)
    channel = world.add_channel(guild, "coffee")
    world.add_channel(guild, "general")
    people = []
    for index in range(members):
        roles = [f"team:Acme/Team {index % teams + 1}"]
        if opt_in_role:
            roles.append(opt_in_role)
        people.append(world.add_member(guild, f"Person{index:03d} Smith", roles=tuple(roles)))
    world.add_member(guild, "Other Bot", bot=True)
    return Community(guild, channel, people)


@pytest.fixture(autouse=True)
def no_internet() -> Iterator[None]:
    """Point discord.py at a closed local port unless a test's fake says otherwise."""
    restore = use_endpoints("http://127.0.0.1:9/api/v10", "ws://127.0.0.1:9/gateway")
    try:
        yield
    finally:
        restore()


@pytest.fixture
async def fake(no_internet: None) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    restore = use_endpoints(server.api_url, server.gateway_url)
    try:
        yield server
    finally:
        restore()
        await server.stop()


async def registered(core: Core, community: Community) -> Community:
    community.id = await core.ensure_community(
        Platform.DISCORD,
        community.guild.id,
        community.channel.id,
        name="Acme coffee",
        timezone="Europe/London",
    )
    return community


@dataclass
class Running:
    client: BridgeworkClient
    task: asyncio.Task[None]

    async def stop(self) -> None:
        await self.client.close()
        try:
            await asyncio.wait_for(self.task, START_TIMEOUT)
        except asyncio.CancelledError:
            pass


async def start_client(
    core: Core,
    fake: FakeDiscord,
    *,
    rules: Rules | None = None,
    timeout: float = START_TIMEOUT,
    **options: Any,
) -> Running:
    """The adapter's client, connected to the fake, with the guilds' members synced (an upper
    bound on the wait, not a check of speed: a loaded machine takes longer)."""
    client = BridgeworkClient(
        core, rules=rules, sync_delay=0.01, guild_ready_timeout=0.05, **options
    )
    task = asyncio.create_task(client.start(fake.token))
    waiting = asyncio.create_task(client.synced.wait())
    done, _ = await asyncio.wait({task, waiting}, timeout=timeout, return_when="FIRST_COMPLETED")
    if task in done:
        waiting.cancel()
        task.result()  # raises what stopped the client
    assert waiting in done, "the client did not sync its guilds in time"
    return Running(client, task)


@pytest.fixture
async def running(
    core: Core, fake: FakeDiscord
) -> AsyncIterator[tuple[Community, BridgeworkClient]]:
    """A six-member guild with a registered community, and the client running against it."""
    community = await registered(core, a_guild(fake))
    started = await start_client(core, fake)
    try:
        yield community, started.client
    finally:
        await started.stop()
