"""Delivery through the port: private threads with the group added, DMs where threads are not
allowed, one message per key (nonce + enforce_nonce), attachments, long texts, rate limits."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.discord import BridgeworkClient, DiscordChat, chat_for, rest_client
from bot.core import Core
from bot.delivery.codec import decode
from bot.delivery.outbox import DEAD, PENDING
from bot.errors import RateLimited
from bot.messages import Button, Choices, Image, Text
from bot.ports import ConversationRef, SpaceRef
from bot.settings import Settings
from bot.store.models import OutboxRow
from tests.adapters.discord.conftest import Community, a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord, button_ids
from tests.fakes.discord.world import DM, PRIVATE_THREAD

THREADS = "/channels/{channel_id}/threads"
THREAD_MEMBERS = "/channels/{channel_id}/thread-members/{user_id}"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def threads(fake: FakeDiscord) -> list[str]:
    return [c.id for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]


async def outbox(core: Core) -> list[OutboxRow]:
    async with core.db.session() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def test_a_round_opens_a_private_thread_per_group_with_its_people_and_one_intro(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    result = await core.run_round(community.id)
    report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    assert report.sent == len(result.groups) > 0
    opened = threads(fake)
    assert len(opened) == len(result.groups)
    groups = {frozenset(fake.world.channels[t].members) - {fake.world.bot.id} for t in opened}
    assert groups == {frozenset(g) for g in result.groups}
    for thread in opened:
        assert fake.world.channels[thread].parent_id == community.channel.id
        (intro,) = fake.messages_in(thread)
        assert intro["content"].startswith("Hello ")
        shown = set(button_ids(intro))
        assert {"We met", "Not yet", "Skip this round"} <= shown
        assert {b for b in shown if b.startswith("This works")} == {
            f"This works · {n}" for n in (1, 2, 3)
        }
    posts = fake.requests("POST", MESSAGES)
    assert all(p.body["enforce_nonce"] is True and p.body["nonce"] for p in posts)
    assert fake.rest.violations == []


async def test_sending_again_with_one_key_posts_once_even_from_a_new_process(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    people = [m.user.id for m in community.members[:2]]
    chat = client.chats.at(community.guild.id, community.channel.id)
    where = await chat.open_group(people)
    first = await chat.send(where, Text("hello"), key="intro:1:1:0")
    assert await chat.send(where, Text("hello"), key="intro:1:1:0") == first
    restarted = DiscordChat(client, community.guild.id, community.channel.id, client.rules)
    assert await restarted.send(where, Text("hello"), key="intro:1:1:0") == first
    assert len(fake.messages_in(where.id)) == 1
    assert len(fake.requests("POST", MESSAGES)) == 2  # the second was answered from its nonce


async def test_opening_a_group_twice_creates_one_thread_and_adds_each_person_once(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    people = [m.user.id for m in community.members[:3]]
    chat = client.chats.at(community.guild.id, community.channel.id)
    assert await chat.open_group(people) == await chat.open_group(people)
    assert len(fake.requests("POST", THREADS)) == 1
    assert len(fake.requests("PUT", THREAD_MEMBERS)) == 3


async def test_where_private_threads_are_not_allowed_each_person_gets_a_dm(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    result = await core.run_round(community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    assert threads(fake) == []
    dms = [c for c in fake.world.channels.values() if c.type == DM]
    assert len(dms) == sum(len(g) for g in result.groups)
    for dm in dms:
        (intro,) = fake.messages_in(dm.id)
        others = [g for g in result.groups if dm.recipients[0].id in g][0]
        assert len(intro["embeds"][0]["description"].splitlines()) >= len(others)


async def test_a_refused_thread_falls_back_to_dms(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)  # the client's cache does not know yet
    people = [m.user.id for m in community.members[:2]]
    chat = client.chats.at(community.guild.id, community.channel.id)
    where = await chat.open_group(people)
    assert where.id.startswith("dm:")
    sent = await chat.send(where, Text("hello"), key="k")
    assert len(sent.message_id.split(",")) == 2
    assert chat.mode() == "dms"


async def test_an_image_goes_as_an_attachment_with_its_alt_text(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    chat = client.chats.at(community.guild.id, community.channel.id)
    image = Image(PNG, "network.png", alt_text="Teams and their ties", title="This quarter")
    await chat.send(ConversationRef(community.channel.id), image, key="digest:1")
    (post,) = fake.requests("POST", MESSAGES)
    assert post.files == 1
    assert post.body["attachments"][0]["description"] == "Teams and their ties"
    assert post.body["embeds"][0]["image"]["url"] == "attachment://network.png"
    assert fake.rest.violations == []


async def test_a_long_text_is_split_into_embeds_within_discords_limits(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    chat = client.chats.at(community.guild.id, community.channel.id)
    body = "\n".join(f"line {i} " + "x" * 90 for i in range(150))  # about 15,000 characters
    sent = await chat.send(ConversationRef(community.channel.id), Text(body), key="long")
    posts = fake.requests("POST", MESSAGES)
    assert len(posts) == len(sent.message_id.split(",")) >= 3
    shown = "\n".join(e["description"] for p in posts for e in p.body["embeds"])
    assert shown == body
    assert all(sum(len(e["description"]) for e in p.body["embeds"]) <= 6000 for p in posts)


async def test_more_buttons_than_a_row_holds_wrap_onto_rows_of_five(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    chat = client.chats.at(community.guild.id, community.channel.id)
    buttons = tuple(Button(f"Day {i}", "pause", f"{i} days") for i in range(1, 8))
    await chat.send(ConversationRef(community.channel.id), Choices("Pause?", buttons), key="c")
    (post,) = fake.requests("POST", MESSAGES)
    assert [len(row["components"]) for row in post.body["components"]] == [5, 2]


async def test_short_rate_limits_are_waited_out_within_the_call(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.rest.limits.refuse("POST", THREADS, retry_after=0.05, times=2)
    fake.rest.limits.refuse("POST", MESSAGES, retry_after=0.05, times=2)
    result = await core.run_round(community.id)
    report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    assert report.sent == len(result.groups) and report.retried == 0
    assert len(threads(fake)) == len(result.groups)
    assert sum(len(fake.messages_in(t)) for t in threads(fake)) == len(result.groups)
    assert sum(1 for r in fake.log if r.status == 429) == 4


async def test_a_long_rate_limit_comes_back_to_the_outbox_as_rate_limited(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.rest.limits.refuse("POST", MESSAGES, retry_after=120.0)
    await core.run_round(community.id)
    report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=0)
    assert report.retried == 1
    waiting = [row for row in await outbox(core) if row.status == PENDING]
    assert len(waiting) == 1 and "rate limited" in (waiting[0].last_error or "")


async def test_a_discord_outage_is_retried_later(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    await core.run_round(community.id)
    fake.rest.unavailable = 1
    report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=0)
    assert report.retried == 1 and report.dead == 0
    (waiting,) = [row for row in await outbox(core) if row.status == PENDING]
    assert "platform unavailable" in (waiting.last_error or "")


async def test_a_member_who_cannot_be_reached_makes_the_message_undeliverable(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    fake.world.dms_closed.update(fake.world.users)
    await core.run_round(community.id)
    report = await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=0)
    assert report.sent == 0 and report.dead > 0
    assert all(row.status == DEAD for row in await outbox(core))


async def test_the_members_of_a_space_are_the_people_who_can_see_its_channel(
    running: tuple[Community, BridgeworkClient],
) -> None:
    community, client = running
    chat = client.chats.at(community.guild.id, community.channel.id)
    infos = await chat.members(SpaceRef(community.guild.id, community.channel.id))
    humans = {i.platform_id for i in infos if not i.bot}
    assert humans == {m.user.id for m in community.members} | {community.guild.owner_id}
    assert sum(1 for i in infos if i.bot) == 2  # Bridgework itself and the other bot


async def test_dms_interrupted_by_a_long_rate_limit_resume_without_repeating_anyone(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    chat = client.chats.at(community.guild.id, community.channel.id)
    where = await chat.open_group([m.user.id for m in community.members[:3]])
    fake.rest.limits.scale = 0.005  # Discord's 120 s pass in 0.6 s
    client.pacer.limits.patience = 0.0  # and come back to the caller, as a long wait does
    fake.rest.limits.refuse("POST", MESSAGES, retry_after=120.0, after=1)
    with pytest.raises(RateLimited):
        await chat.send(where, Text("hello"), key="intro:9:9:0")
    await asyncio.sleep(0.6)
    sent = await chat.send(where, Text("hello"), key="intro:9:9:0")
    assert len(sent.message_id.split(",")) == 3
    dms = [c for c in fake.world.channels.values() if c.type == DM]
    assert sorted(len(fake.messages_in(dm.id)) for dm in dms) == [1, 1, 1]
    assert len(fake.requests("POST", MESSAGES)) == 3


async def test_follow_ups_in_dm_mode_edit_each_persons_intro_and_ask_anew(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    result = await core.run_round(community.id)
    sender = core.sender(chat_for(client))
    await sender.drain(community_id=community.id, max_wait=5)
    await core.send_followups(community.id)
    await sender.drain(community_id=community.id, max_wait=5)
    dms = [c for c in fake.world.channels.values() if c.type == DM]
    assert len(dms) == sum(len(g) for g in result.groups)
    for dm in dms:
        message, ask = fake.messages_in(dm.id)
        assert message["content"].startswith("Hello")  # the intro stays, the question is added
        assert "How did it go" in message["embeds"][0]["description"]
        assert "How did it go" in ask["content"]
    assert len(fake.requests("PATCH", MESSAGE)) == len(dms)


async def test_a_sender_without_the_gateway_delivers_a_round_over_rest_alone(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=4, teams=2))
    first = await start_client(core, fake)  # enrols the members, then goes away
    await first.stop()
    result = await core.run_round(community.id)
    settings = Settings(
        _env_file=None, discord_token=SecretStr(fake.token), discord_api_url=fake.api_url
    )
    sender_only = await rest_client(settings, core)
    try:
        report = await core.sender(chat_for(sender_only)).drain(
            community_id=community.id, max_wait=5
        )
    finally:
        await sender_only.close()
    assert report.sent == len(result.groups)
    assert len(fake.gateway.identified) == 1  # only the first client connected
    assert len(fake.requests("GET", "/guilds/{guild_id}/members/{user_id}")) == sum(
        len(g) for g in result.groups
    )  # the names for the threads came over REST
    for thread in (c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD):
        people = [fake.world.users[m] for m in thread.members if m != fake.world.bot.id]
        first_names = {str(p.global_name).split()[0] for p in people}
        assert set(thread.name.removeprefix("Bridgework: ").split(", ")) == first_names


async def test_a_send_cut_short_by_a_crash_is_finished_in_the_same_thread_once(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=6))
    crashed = await start_client(core, fake)
    try:  # the first process opens the thread and posts, then dies before the outbox commits
        result = await core.run_round(community.id)
        (row, *_) = await outbox(core)
        chat = crashed.client.chats.at(community.guild.id, community.channel.id)
        where = await chat.open_group(row.people)
        await chat.send(where, decode(row.payload), key=row.key)
    finally:
        await crashed.stop()
    restarted = await start_client(core, fake)
    try:
        report = await core.sender(chat_for(restarted.client)).drain(
            community_id=community.id, max_wait=5
        )
    finally:
        await restarted.stop()
    assert report.sent == len(result.groups)
    assert len(threads(fake)) == len(fake.requests("POST", THREADS)) == len(result.groups)
    assert all(len(fake.messages_in(t)) == 1 for t in threads(fake))
    added = [r.path for r in fake.requests("PUT", THREAD_MEMBERS)]
    assert len(added) == len(set(added)) == sum(len(g) for g in result.groups)


async def test_a_thread_opened_just_before_a_crash_is_reused_with_nobody_in_it_yet(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=6))
    crashed = await start_client(core, fake)
    try:  # Discord opens the thread; the process dies before anyone is added to it
        result = await core.run_round(community.id)
        (row, *_) = await outbox(core)
        chat = crashed.client.chats.at(community.guild.id, community.channel.id)
        fake.rest.limits.scale = 0.005  # Discord's 120 s pass in 0.6 s
        crashed.client.pacer.limits.patience = 0.0  # a wait comes back as a long one does
        fake.rest.limits.refuse("PUT", THREAD_MEMBERS, retry_after=120.0)
        with pytest.raises(RateLimited):
            await chat.open_group(row.people)
    finally:
        await crashed.stop()
    crashed.client.pacer.limits.patience = 2.0
    [orphan] = threads(fake)
    restarted = await start_client(core, fake)
    try:
        report = await core.sender(chat_for(restarted.client)).drain(
            community_id=community.id, max_wait=5
        )
    finally:
        await restarted.stop()
    assert report.sent == len(result.groups)
    assert len(threads(fake)) == len(fake.requests("POST", THREADS)) == len(result.groups)
    assert len(fake.messages_in(orphan)) == 1  # the intro went to the thread opened first
