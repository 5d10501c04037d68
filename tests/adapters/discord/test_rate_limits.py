"""Discord's rate limits as the adapter honours them: each 429's bucket, resource and scope held
for every conversation and process that shares it, before each call, so that nothing is called
inside a window Discord announced (the fake counts such calls). Discord's seconds are scaled
down by the fake: "35 s" here passes in 0.7 s."""

from __future__ import annotations

import asyncio

import pytest

from adapters.discord import BridgeworkClient, chat_for
from bot.clock import system_clock
from bot.core import Core
from bot.delivery.sender import Sender
from bot.delivery.shared_limits import SharedLimits
from bot.errors import RateLimited
from bot.messages import Text
from tests.adapters.discord.conftest import Community, a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord, Logged
from tests.fakes.discord.world import PRIVATE_THREAD

THREADS = "/channels/{channel_id}/threads"
MESSAGES = "/channels/{channel_id}/messages"
COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
SCALE = 0.02  # the fake's seconds: Discord's 35 s pass in 0.7 s
WINDOW = 35.0 * SCALE
PATIENCE = 0.1  # a wait longer than this goes back to the outbox (Discord's 2 s, scaled)


async def two_channels(core: Core, fake: FakeDiscord, members: int = 8) -> list[Community]:
    """Two communities, each a guild's #coffee channel with people of its own (one guild's
    people in two channels would share ordering lanes, and wait for each other there)."""
    return [await registered(core, a_guild(fake, members=members)) for _ in range(2)]


async def settled(fake: FakeDiscord, guilds: int) -> None:
    """Wait until the client has registered its commands in every guild (its last call of
    its own on connecting), so that only the test's calls follow."""
    while len(fake.requests("PUT", COMMANDS)) < guilds:
        await asyncio.sleep(0.01)


def sender(core: Core, client: BridgeworkClient) -> Sender:
    """A sender on the real clock (the core's stands still), so its retries come due."""
    return Sender(core.db, chat_for(client), clock=system_clock)


def thread_posts(fake: FakeDiscord, channel: str) -> list[Logged]:
    return [r for r in fake.log if r.template == THREADS and r.path.split("/")[2] == channel]


async def test_a_long_thread_limit_in_one_channel_holds_its_intros_and_no_other_channels(
    core: Core, fake: FakeDiscord
) -> None:
    coffee, general = await two_channels(core, fake)
    started = await start_client(core, fake, limits=SharedLimits(core.db, patience=PATIENCE))
    try:
        await settled(fake, 2)
        fake.rest.limits.scale = SCALE
        fake.rest.limits.refuse(
            "POST", THREADS, retry_after=35.0, scope="shared", major=coffee.channel.id
        )
        rounds = [await core.run_round(c.id) for c in (coffee, general)]
        delivering = sender(core, started.client)
        held, free = await asyncio.gather(
            delivering.drain(community_id=coffee.id, max_wait=10),
            delivering.drain(community_id=general.id, max_wait=10),
        )
    finally:
        await started.stop()
    groups = sum(len(r.groups) for r in rounds)
    assert held.sent + free.sent == groups and held.dead == free.dead == 0
    assert fake.rest.limits.inside_window == 0  # nothing went into the window
    refused, *made = thread_posts(fake, coffee.channel.id)
    assert refused.status == 429 and [r.status for r in made] == [200] * len(rounds[0].groups)
    assert all(r.at >= refused.at + WINDOW for r in made)  # every coffee intro waited for it
    assert held.retried >= len(rounds[0].groups)  # each put off without a call
    elsewhere = thread_posts(fake, general.channel.id)
    assert [r.status for r in elsewhere] == [200] * len(rounds[1].groups)
    assert free.retried == 0  # #general's intros never waited for #coffee's limit
    threads = [c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
    assert len(threads) == groups
    assert fake.rest.invalid == 0  # a shared-scope 429 is not counted against the bot


async def test_a_global_429_holds_every_call_of_the_bot(core: Core, fake: FakeDiscord) -> None:
    coffee, general = await two_channels(core, fake)
    started = await start_client(core, fake, limits=SharedLimits(core.db, patience=PATIENCE))
    try:
        await settled(fake, 2)
        fake.rest.limits.scale = SCALE
        fake.rest.limits.refuse("POST", MESSAGES, retry_after=35.0, scope="global")
        rounds = [await core.run_round(c.id) for c in (coffee, general)]
        delivering = sender(core, started.client)
        first = await delivering.drain(community_id=coffee.id, max_wait=0)  # meets the 429
        later = await delivering.drain(community_id=general.id, max_wait=10)
        rest = await delivering.drain(community_id=coffee.id, max_wait=10)
    finally:
        await started.stop()
    assert first.retried >= 1 and first.sent + later.sent + rest.sent >= sum(
        len(r.groups) for r in rounds
    )
    assert fake.rest.limits.inside_window == 0
    (refused,) = [r for r in fake.log if r.status == 429]
    during = [r for r in fake.log if refused.at < r.at < refused.at + WINDOW]
    assert during == []  # no route, in no channel, was called inside the global window
    elsewhere = thread_posts(fake, general.channel.id)
    assert len(elsewhere) == len(rounds[1].groups)
    assert all(r.at >= refused.at + WINDOW for r in elsewhere)  # #general waited for it too
    threads = [c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
    assert all(len(fake.messages_in(t.id)) == 1 for t in threads)
    assert len(threads) == sum(len(r.groups) for r in rounds)


async def test_two_senders_on_one_database_share_the_wait(core: Core, fake: FakeDiscord) -> None:
    coffee = await registered(core, a_guild(fake, members=12))
    first = await start_client(core, fake, limits=SharedLimits(core.db, patience=PATIENCE))
    second = await start_client(core, fake, limits=SharedLimits(core.db, patience=PATIENCE))
    try:  # two clients, each with its own discord.py state: only the database is shared
        fake.rest.limits.scale = SCALE
        fake.rest.limits.share("POST", THREADS, limit=3, window=35.0)  # hidden, per channel
        chat = first.client.chats.at(coffee.guild.id, coffee.channel.id)
        people = [m.user.id for m in coffee.members]
        with pytest.raises(RateLimited):  # the first process fills the channel's limit
            for pair in range(4):
                await chat.open_group([people[2 * pair], people[2 * pair + 1]])
        result = await core.run_round(coffee.id)
        report = await sender(core, second.client).drain(community_id=coffee.id, max_wait=10)
    finally:
        await first.stop()
        await second.stop()
    assert report.dead == 0 and len(result.groups) == 6
    assert fake.rest.limits.inside_window == 0  # the second sender kept to the first's window
    posts = thread_posts(fake, coffee.channel.id)
    refused = next(r for r in posts if r.status == 429)
    assert refused.retry_after is not None
    assert all(r.at >= refused.at + refused.retry_after for r in posts if r.at > refused.at)
    threads = {frozenset(c.members) - {fake.world.bot.id}: c for c in fake.world.channels.values()}
    for group in result.groups:
        assert len(fake.messages_in(threads[frozenset(group)].id)) == 1


async def test_an_exhausted_bucket_is_waited_out_before_the_next_call(
    core: Core, fake: FakeDiscord
) -> None:
    coffee = await registered(core, a_guild(fake, members=4))
    started = await start_client(core, fake)
    try:
        fake.rest.limits.limit, fake.rest.limits.window = 2, 0.5  # per channel, as headers say
        chat = started.client.chats.at(coffee.guild.id, coffee.channel.id)
        where = await chat.open_group([m.user.id for m in coffee.members[:2]])
        for number in range(5):
            await chat.send(where, Text(f"note {number}"), key=f"note:{number}")
    finally:
        await started.stop()
    posts = [r for r in fake.log if r.template == MESSAGES]
    assert [r.status for r in posts] == [200] * 5  # X-RateLimit-Remaining: 0 was heeded
    assert posts[2].at >= posts[0].at + 0.5 and posts[4].at >= posts[2].at + 0.5
