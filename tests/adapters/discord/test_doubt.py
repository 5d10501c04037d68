"""A message in doubt — Discord took it, its sender died before recording it — is not sent
again however late the re-send comes: past Discord's nonce window, the thread is read for it."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
import pytest
from sqlalchemy import select

from adapters.discord import chat_for
from bot.core import Core
from bot.delivery.outbox import SENDING, SENT
from bot.delivery.sender import Sender
from bot.messages import Form, Message, Text
from bot.ports import Chat, ConversationRef, MemberInfo, Progress, SentRef, SpaceRef
from bot.store.models import OutboxRow
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.conftest import MovableClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.world import PRIVATE_THREAD

MESSAGE = "/channels/{channel_id}/messages/{message_id}"


class Crash(BaseException):
    """The sender's process dies: nothing after this runs, nothing more is recorded."""


class DiesAfterAnIntro:
    """A Chat whose process dies just after Discord took an introduction."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        return await self.chat.members(space, progress=progress)

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        return await self.chat.open_group(people)

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        sent = await self.chat.send(where, message, key=key)
        if key.startswith("intro:"):
            raise Crash
        return sent

    async def update(self, sent: SentRef, message: Message) -> None:
        await self.chat.update(sent, message)

    async def open_form(self, interaction: str, form: Form) -> None:
        await self.chat.open_form(interaction, form)


async def intro_rows(core: Core) -> list[OutboxRow]:
    async with core.db.session() as session:
        found = await session.scalars(select(OutboxRow).where(OutboxRow.key.like("intro:%")))
        return list(found.all())


async def test_an_intro_taken_before_a_crash_is_not_sent_again_after_the_nonce_window(
    core: Core, fake: FakeDiscord, clock: MovableClock
) -> None:
    community = await registered(core, a_guild(fake, members=3, teams=2))
    first = await start_client(core, fake)
    try:
        result = await core.run_round(community.id)
        chats = chat_for(first.client)
        dying = Sender(core.db, lambda c: DiesAfterAnIntro(chats(c)), clock=clock)
        with pytest.raises(Crash):
            await dying.drain(community_id=community.id, max_wait=0)
    finally:
        await first.stop()
    assert len(result.groups) == 2
    (thread,) = [c.id for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
    (intro,) = fake.messages_in(thread)
    assert [r.status for r in await intro_rows(core)].count(SENDING) >= 1  # in doubt
    fake.world.advance(fake.world.nonce_window + 60)  # Discord no longer knows the nonce
    clock.advance(seconds=60)  # and the dead sender's lease has run out

    second = await start_client(core, fake)
    try:
        sender = core.sender(chat_for(second.client))
        await sender.drain(community_id=community.id, max_wait=5)
        assert fake.messages_in(thread) == [intro]  # found in its thread, not posted again
        rows = {r.sent_conversation_id: r for r in await intro_rows(core)}
        assert rows[thread].status == SENT and rows[thread].platform_message_id == intro["id"]
        await core.send_followups(community.id)
        await sender.drain(community_id=community.id, max_wait=5)
    finally:
        await second.stop()
    edited, ask = fake.messages_in(thread)
    assert edited["id"] == intro["id"] and "How did it go" in edited["embeds"][0]["description"]
    assert "How did it go" in ask["content"]
    patched = [r.path for r in fake.requests("PATCH", MESSAGE)]
    assert f"/channels/{thread}/messages/{intro['id']}" in patched


async def test_the_nonce_holds_within_its_window_and_not_beyond(fake: FakeDiscord) -> None:
    community = a_guild(fake)
    headers = {"Authorization": f"Bot {fake.token}"}
    body = {"content": "hello", "nonce": "n-1", "enforce_nonce": True}
    path = f"{fake.api_url}/channels/{community.channel.id}/messages"
    async with aiohttp.ClientSession(headers=headers) as session:
        ids = []
        for advance in (0.0, 1.0, fake.world.nonce_window):
            fake.world.advance(advance)
            async with session.post(path, json=body) as response:
                ids.append((await response.json())["id"])
        async with session.get(f"{path}/{ids[0]}") as response:
            read = await response.json()
    assert ids[0] == ids[1] != ids[2]  # the same message within the window, a new one after
    assert "nonce" not in read  # Discord does not keep the nonce on the message
    assert fake.world.channels[community.channel.id].message_count == 2
    assert fake.world.channels[community.channel.id].last_message_id == ids[2]


async def test_an_intro_found_in_its_thread_is_not_posted_again_by_a_new_process(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=3, teams=2))
    started = await start_client(core, fake)
    try:
        chat = started.client.chats.at(community.guild.id, community.channel.id)
        where = await chat.open_group([m.user.id for m in community.members[:2]])
        await chat.send(where, Text("hello " * 1500), key="intro:7:7:0")  # three pieces
        fake.world.advance(fake.world.nonce_window + 1)
        again = type(chat)(started.client, chat.guild, chat.channel, chat.rules)
        found = await again.sent_before(where, Text("hello " * 1500), key="intro:7:7:0")
        other = await again.sent_before(where, Text("bye"), key="intro:7:7:1")
    finally:
        await started.stop()
    assert found is not None and len(found.message_id.split(",")) > 1
    assert found.message_id.split(",") == [m["id"] for m in fake.messages_in(where.id)]
    assert other is None
