"""On Discord: /bridgework intro from two teams opens their private thread at once; a
facilitator's /bridgework-lead suggest introduces people with the topic as the starter;
followup_days later, the thread is asked "did you meet?", as a weekly round's are."""

from __future__ import annotations

import json

from sqlalchemy import select

from adapters.discord import chat_for
from bot.core import Core
from bot.store.models import OutcomeRow
from bot.texts import copy
from tests.adapters.discord.conftest import a_guild, registered, start_client
from tests.conftest import MovableClock
from tests.fakes.discord import FakeDiscord, button_ids, reply_text
from tests.fakes.discord.world import PRIVATE_THREAD


async def test_intro_from_two_teams_and_a_suggestion_are_introduced_at_once(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake, members=6, teams=3))
    started = await start_client(core, fake)
    try:
        one, two, three = (community.members[i].user for i in (0, 1, 2))  # teams 1, 2, 3
        guild, channel = community.guild, community.channel
        queued = await fake.slash(one, guild, channel, "intro")
        assert "You're in the queue" in reply_text(queued)
        matched = await fake.slash(two, guild, channel, "intro")
        assert "Found someone" in reply_text(matched)
        owner = fake.world.users[guild.owner_id]
        topic = "what’s on each team’s plate"
        done = await fake.slash(
            owner,
            guild,
            channel,
            "suggest",
            first=guild.members[one.id],
            second=guild.members[three.id],
            topic=topic,
        )
        assert "I'm introducing" in reply_text(done), reply_text(done)
        report = await core.sender(chat_for(started.client)).drain(
            community_id=community.id, max_wait=5
        )
        assert report.sent == 2 and report.dead == 0
    finally:
        await started.stop()
    threads = [c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
    members = {frozenset(t.members) - {fake.world.bot.id}: t for t in threads}
    assert set(members) == {frozenset((one.id, two.id)), frozenset((one.id, three.id))}
    [asked] = fake.messages_in(members[frozenset((one.id, two.id))].id)
    [suggested] = fake.messages_in(members[frozenset((one.id, three.id))].id)
    assert copy("on_demand.greeting", names="x").split("x")[1][:20] in json.dumps(
        asked, ensure_ascii=False
    )
    assert "what's on each team's plate" in json.dumps(suggested, ensure_ascii=False)


async def test_an_intro_pair_is_asked_did_you_meet_in_its_thread_and_we_met_counts(
    core: Core, fake: FakeDiscord, clock: MovableClock
) -> None:
    community = await registered(core, a_guild(fake, members=6, teams=3))
    started = await start_client(core, fake)
    try:
        one, two = (community.members[i].user for i in (0, 1))  # teams 1 and 2
        guild, channel = community.guild, community.channel
        await fake.slash(one, guild, channel, "intro")
        await fake.slash(two, guild, channel, "intro")
        sender = core.sender(chat_for(started.client))
        assert (await sender.drain(community_id=community.id, max_wait=5)).sent == 1
        clock.advance(days=3, minutes=-10)
        assert "follow-up" not in await core.run_job("sweep", community.id)
        clock.advance(minutes=10)  # followup_days (3) after it was sent
        assert "1 on-demand follow-up queued" in await core.run_job("sweep", community.id)
        assert "follow-up" not in await core.run_job("sweep", community.id)
        report = await sender.drain(community_id=community.id, max_wait=5)
        assert report.dead == 0
        [thread] = [c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD]
        intro, question = fake.messages_in(thread.id)
        asked = copy("followup.ask", names="Person000, Person001")
        assert asked in json.dumps(question, ensure_ascii=False)
        assert asked in json.dumps(intro, ensure_ascii=False)  # the intro carries it too
        response = await fake.press(two, guild, thread, question, button_ids(question)["We met"])
        assert "noted: you met" in reply_text(response)
    finally:
        await started.stop()
    async with core.db.session() as session:
        outcomes = (await session.scalars(select(OutcomeRow))).all()
    assert [o.outcome for o in outcomes] == ["met"]
