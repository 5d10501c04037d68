"""End to end: a 200-member guild with 10 team roles gets a round and its follow-ups through the
real discord.py client and the spec-checked fake, and nothing is done twice."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from adapters.discord import chat_for
from bot.core import Core
from bot.store.models import MemberRow
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.world import PRIVATE_THREAD

THREADS = "/channels/{channel_id}/threads"
THREAD_MEMBERS = "/channels/{channel_id}/thread-members/{user_id}"
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"


async def test_a_200_member_guild_gets_a_round_and_follow_ups_each_sent_once(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=200, teams=10))
    first = await start_client(core, fake)
    try:
        async with core.db.session() as session:
            members = (await session.scalars(select(MemberRow))).all()
        assert len({m.team for m in members}) == 11  # ten teams, and the owner's Unassigned
        fake.rest.limits.refuse("POST", THREADS, retry_after=0.02, times=3)
        fake.rest.limits.refuse("PUT", THREAD_MEMBERS, retry_after=0.02, times=3)
        fake.rest.limits.refuse("POST", MESSAGES, retry_after=0.02, times=3)
        result = await core.run_round(community.id)
        sender = core.sender(chat_for(first.client))
        report = await sender.drain(community_id=community.id, max_wait=10)
        assert report.sent == len(result.groups) == 100 and report.dead == 0
    finally:
        await first.stop()

    # A restarted process sends the follow-ups, and a second drain finds nothing left to do.
    second = await start_client(core, fake)
    try:
        assert await core.send_followups(community.id) == len(result.groups)
        sender = core.sender(chat_for(second.client))
        followed = await sender.drain(community_id=community.id, max_wait=10)
        again = await sender.drain(community_id=community.id, max_wait=10)
        assert followed.sent == 2 * len(result.groups) and again.sent == 0  # edit + new ask
    finally:
        await second.stop()

    threads = [c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
    created = fake.requests("POST", THREADS)
    assert len(created) == len(threads) == len(result.groups)
    added = Counter(r.path for r in fake.requests("PUT", THREAD_MEMBERS))
    assert sum(added.values()) == sum(len(g) for g in result.groups) == 201
    assert set(added.values()) == {1}
    posted = fake.requests("POST", MESSAGES)
    assert len(posted) == 2 * len(result.groups)  # each intro, and each follow-up's question
    assert len({p.body["nonce"] for p in posted}) == len(posted)
    assert all(len(fake.messages_in(t.id)) == 2 for t in threads)
    edited = Counter(r.path for r in fake.requests("PATCH", MESSAGE))
    assert len(edited) == len(result.groups) and set(edited.values()) == {1}
    for thread in threads:
        message, ask = fake.messages_in(thread.id)
        assert message["content"].startswith("Hello")  # the intro stays, the question is added
        assert "How did it go" in message["embeds"][0]["description"]
        assert "How did it go" in ask["content"]  # and asked anew, which notifies
    groups = {frozenset(t.members) - {fake.world.bot.id} for t in threads}
    assert groups == {frozenset(g) for g in result.groups}
    assert fake.rest.limits.refused >= 9
    assert fake.rest.violations == []
