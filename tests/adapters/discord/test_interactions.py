"""Interactions: /bridgework commands, persistent buttons and modals reach the core as events, and
its answer is shown to the person alone."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest
from sqlalchemy import select

from adapters.discord import BridgeworkClient, chat_for
from bot.core import Core
from bot.domain import Platform
from bot.events import Where
from bot.messages import Field, Form, Text
from bot.store.facilitation import AnswerRow, PromptAnswerRow
from bot.store.models import CommunityRow, OutcomeRow
from tests.adapters.discord.conftest import Community, a_guild, registered, start_client
from tests.fakes.discord import (
    CommandUnavailable,
    FakeDiscord,
    button_ids,
    interactions,
    reply_text,
)
from tests.fakes.discord.world import PRIVATE_THREAD, Channel

EPHEMERAL = 1 << 6
CHANNEL_MESSAGE, MODAL = 4, 9
MESSAGE_CONTENT = 1 << 15


def channel_named(fake: FakeDiscord, community: Community, name: str) -> Channel:
    return next(
        fake.world.channels[c]
        for c in community.guild.channels
        if fake.world.channels[c].name == name
    )


def ephemeral(response: dict[str, Any]) -> bool:
    return response["type"] == CHANNEL_MESSAGE and bool(response["data"]["flags"] & EPHEMERAL)


async def outcomes(core: Core) -> list[tuple[int, str]]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutcomeRow))).all()
    return [(row.member_id, row.outcome) for row in rows]


async def test_status_is_answered_privately_and_says_how_intros_arrive(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    person = community.members[0].user
    response = await fake.slash(person, community.guild, community.channel, "status")
    assert ephemeral(response)
    text = reply_text(response)
    assert "Person000, here is what Bridgework knows about you" in text
    assert "team: Acme/Team 1" in text
    assert "private threads" in text


async def test_status_says_dms_are_used_where_threads_are_not_allowed(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    person = community.members[0].user
    response = await fake.slash(person, community.guild, community.channel, "status")
    assert "direct messages" in reply_text(response)


async def test_pause_options_become_the_core_command(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    person = community.members[1].user
    response = await fake.slash(
        person, community.guild, community.channel, "pause", until="2027-02-01"
    )
    assert "Paused until Monday 1 February 2027, Person001" in reply_text(response)


async def test_a_setting_is_hidden_from_a_member_refused_if_shown_and_taken_from_manage_server(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    member = community.members[0].user
    with pytest.raises(CommandUnavailable):  # /bridgework-admin needs Manage Server by default
        await fake.slash(
            member, community.guild, community.channel, "set", setting="day", value="friday"
        )
    # A server admin shows /bridgework-admin to everyone (Integrations): the core still refuses.
    fake.world.set_command_access(community.guild, "bridgework-admin", community.guild.id, True)
    refused = await fake.slash(
        member, community.guild, community.channel, "set", setting="day", value="friday"
    )
    assert "`set` is for admins" in reply_text(refused)
    owner = fake.world.users[community.guild.owner_id]
    taken = await fake.slash(
        owner, community.guild, community.channel, "set", setting="day", value="friday"
    )
    assert "day is now" in reply_text(taken)
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community.id)
        assert row is not None and row.weekday == 4


async def test_a_configured_admin_role_changes_settings_once_integrations_show_it_the_command(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    async with core.db.session() as session, session.begin():
        row = await session.get(CommunityRow, community.id)
        assert row is not None
        row.role_names = {"admin": ["Moderators"]}
    moderators = fake.world.add_role(community.guild, "Moderators")
    await fake.gateway.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": community.guild.id, "role": moderators.payload()}
    )
    member = community.members[2]
    member.roles.append(moderators.id)
    with pytest.raises(CommandUnavailable):  # Discord knows nothing of Bridgework's roles
        await fake.slash(
            member.user, community.guild, community.channel, "set", setting="day", value="friday"
        )
    fake.world.set_command_access(community.guild, "bridgework-admin", moderators.id, True)
    taken = await fake.slash(
        member.user, community.guild, community.channel, "set", setting="day", value="friday"
    )
    assert "day is now" in reply_text(taken)


async def test_a_command_in_a_channel_the_bot_cannot_see_changes_nothing(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    hidden = fake.world.add_channel(community.guild, "secret")
    fake.world.hide_from_bot(hidden)
    person = community.members[0].user
    response = await fake.slash(person, community.guild, hidden, "leave")
    assert ephemeral(response)
    assert "Bridgework can't see #secret" in reply_text(response)
    again = await fake.slash(person, community.guild, community.channel, "status")
    assert "taking part: yes" in reply_text(again)


async def test_home_shows_buttons_that_act_for_the_person_who_presses(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    person = community.members[0].user
    home = await fake.slash(person, community.guild, community.channel, "home")
    assert ephemeral(home)
    message = fake.reply_to(next(reversed(fake.rest.replies)))
    buttons = button_ids(message)
    assert set(buttons) == {"Pause 2 weeks", "Leave"}
    left = await fake.press(person, community.guild, community.channel, message, buttons["Leave"])
    assert "you won't be introduced to anyone" in reply_text(left)


async def test_an_outcome_button_in_an_intro_thread_records_the_answer(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    await core.run_round(community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    thread = next(c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD)
    (intro,) = fake.messages_in(thread.id)
    person = fake.world.users[next(m for m in thread.members if m != fake.world.bot.id)]
    response = await fake.press(person, community.guild, thread, intro, button_ids(intro)["We met"])
    assert ephemeral(response) and "noted: you met" in reply_text(response)
    assert [outcome for _, outcome in await outcomes(core)] == ["met"]


async def test_buttons_keep_working_after_a_restart(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    await core.run_round(community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    await client.close()
    restarted = await start_client(core, fake)
    try:
        thread = next(c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD)
        (intro,) = fake.messages_in(thread.id)
        person = fake.world.users[next(m for m in thread.members if m != fake.world.bot.id)]
        response = await fake.press(
            person, community.guild, thread, intro, button_ids(intro)["Not yet"]
        )
        assert "noted: not yet" in reply_text(response)
    finally:
        await restarted.stop()


async def test_a_button_of_a_round_that_ended_gets_a_clear_answer_and_changes_nothing(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord, clock: Any
) -> None:
    community, client = running
    await core.run_round(community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    thread = next(c for c in fake.world.channels.values() if c.type == PRIVATE_THREAD)
    (intro,) = fake.messages_in(thread.id)
    clock.advance(days=7)
    await core.run_round(community.id)  # the first round ends
    person = fake.world.users[next(m for m in thread.members if m != fake.world.bot.id)]
    response = await fake.press(person, community.guild, thread, intro, button_ids(intro)["We met"])
    assert ephemeral(response) and "That round has ended" in reply_text(response)
    assert await outcomes(core) == []


async def test_a_button_pressed_in_a_dm_finds_its_community(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    await core.run_round(community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    dm = next(c for c in fake.world.channels.values() if c.recipients)
    (intro,) = fake.messages_in(dm.id)
    response = await fake.press(dm.recipients[0], None, dm, intro, button_ids(intro)["We met"])
    assert "noted: you met" in reply_text(response)
    assert len(await outcomes(core)) == 1


async def test_a_form_opens_as_a_modal_and_its_answers_reach_the_core(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    community, client = running
    person = community.members[0].user
    payload = interactions.slash_command(
        fake.world, person, community.guild, community.channel, "help", token="t0"
    )
    fake.rest.interaction_tokens[payload["id"]] = "t0"
    live = discord.Interaction(data=payload, state=client._connection)  # type: ignore[arg-type]
    client.chats.interactions[payload["id"]] = live
    form = Form(
        "reflection",
        "This week",
        (Field("answer", "What went well?", multiline=True), Field("name", "Name", optional=True)),
    )
    chat = client.chats.at(community.guild.id, community.channel.id)
    await chat.open_form(payload["id"], form)
    opened = await fake.rest.response_to(payload["id"])
    assert opened["type"] == MODAL and opened["data"]["title"] == "This week"
    inputs = [row["components"][0] for row in opened["data"]["components"]]
    assert [(i["custom_id"], i["style"], i["required"]) for i in inputs] == [
        ("answer", 2, True),
        ("name", 1, False),
    ]
    with caplog.at_level(logging.INFO, logger="bot.dispatch"):
        await fake.submit(
            person,
            community.guild,
            community.channel,
            opened["data"]["custom_id"],
            {"answer": "We shipped", "name": ""},
        )
    assert "unknown form 'reflection'" in caplog.text  # the core got it (and has no use yet)


async def test_status_asked_elsewhere_speaks_of_the_communitys_own_channel(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    general = channel_named(fake, community, "general")
    person = community.members[0].user
    response = await fake.slash(person, community.guild, general, "status")
    assert "may not open private threads in #coffee" in reply_text(response)


async def test_an_answer_longer_than_one_message_continues_in_private_follow_ups(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, client = running
    person = community.members[0].user
    payload = interactions.slash_command(
        fake.world, person, community.guild, community.channel, "help", token="t1"
    )
    fake.rest.interaction_tokens[payload["id"]] = "t1"
    fake.rest.interaction_channels[payload["id"]] = community.channel.id
    live = discord.Interaction(data=payload, state=client._connection)  # type: ignore[arg-type]
    body = "\n".join(f"line {i} " + "z" * 190 for i in range(80))  # about 16,000 characters
    where = Where(Platform.DISCORD, community.guild.id, community.channel.id)
    await client.respond(live, where, Text(body))
    first = fake.rest.responses[payload["id"]]
    follow_ups = fake.rest.follow_ups[payload["id"]]
    assert ephemeral(first) and follow_ups
    assert all(m["flags"] & EPHEMERAL for m in follow_ups)
    descriptions = [e["description"] for e in first["data"]["embeds"]]
    descriptions += [e["description"] for m in follow_ups for e in m["embeds"]]
    assert "\n".join(descriptions) == body


async def test_a_button_pressed_by_someone_who_left_the_guild_changes_nothing(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    fake.world.forbid_private_threads(community.channel)
    await fake.gateway.dispatch("CHANNEL_UPDATE", community.channel.payload())
    await core.run_round(community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    dm = next(c for c in fake.world.channels.values() if c.recipients)
    gone = dm.recipients[0]
    del community.guild.members[gone.id]
    client.synced.clear()
    removal = {"guild_id": community.guild.id, "user": gone.payload()}
    await fake.gateway.dispatch("GUILD_MEMBER_REMOVE", removal)
    await asyncio.wait_for(client.synced.wait(), 5)
    (intro,) = fake.messages_in(dm.id)
    response = await fake.press(gone, None, dm, intro, button_ids(intro)["We met"])
    assert ephemeral(response)
    assert await outcomes(core) == []


async def test_a_check_in_is_asked_by_dm_and_answered_in_a_modal(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    owner = fake.world.users[community.guild.owner_id]
    scheduled = await fake.slash(
        owner,
        community.guild,
        community.channel,
        "checkin",
        what='schedule "How was your week?" once 2027-01-05 10:00',
    )
    assert "Scheduled check-in" in reply_text(scheduled)
    await core.run_job("checkins", community.id, force=True)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    person = community.members[0].user
    dm = next(c for c in fake.world.channels.values() if c.recipients == [person])
    assert [c.type for c in fake.world.channels.values()].count(PRIVATE_THREAD) == 0
    (ask,) = fake.messages_in(dm.id)
    opened = await fake.press(person, None, dm, ask, button_ids(ask)["Answer"])
    assert opened["type"] == MODAL
    (row,) = opened["data"]["components"]
    question = row["components"][0]
    assert question["label"] == "How was your week?"
    done = await fake.submit(
        person, None, dm, opened["data"]["custom_id"], {question["custom_id"]: "A good week"}
    )
    assert ephemeral(done) and "Thank you, Person000" in reply_text(done)
    async with core.db.session() as session:
        answers = (await session.scalars(select(AnswerRow))).all()
    assert [a.text for a in answers] == ["A good week"]


async def test_a_listening_prompt_goes_to_the_channel_the_facilitator_picked(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    general = channel_named(fake, community, "general")
    owner = fake.world.users[community.guild.owner_id]
    scheduled = await fake.slash(
        owner,
        community.guild,
        community.channel,
        "prompt",
        what='schedule "What surprised you this week?" once 2027-01-05 10:00',
        channel=general,
    )
    assert "Scheduled listening prompt" in reply_text(scheduled)
    await core.run_job("prompts", community.id, force=True)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    (posted,) = fake.messages_in(general.id)
    assert "What surprised you this week?" in posted["content"]


async def test_a_prompt_for_a_channel_the_bot_cannot_post_in_is_refused(
    running: tuple[Community, BridgeworkClient], fake: FakeDiscord
) -> None:
    community, _ = running
    hidden = fake.world.add_channel(community.guild, "leadership")
    fake.world.hide_from_bot(hidden)
    await fake.gateway.dispatch("CHANNEL_CREATE", hidden.payload())
    owner = fake.world.users[community.guild.owner_id]
    refused = await fake.slash(
        owner,
        community.guild,
        community.channel,
        "prompt",
        what='schedule "What surprised you?" once 2027-01-05 10:00',
        channel=hidden,
    )
    assert f"I can't post in #{hidden.id}" in reply_text(refused)


async def test_with_reading_messages_on_an_answer_in_a_prompts_thread_is_collected(
    core: Core, fake: FakeDiscord
) -> None:
    community = await registered(core, a_guild(fake))
    started = await start_client(core, fake, read_messages=True)
    try:
        assert int(fake.gateway.identified[0]["intents"]) & MESSAGE_CONTENT
        general = channel_named(fake, community, "general")
        owner = fake.world.users[community.guild.owner_id]
        await fake.slash(
            owner,
            community.guild,
            community.channel,
            "prompt",
            what='schedule "What surprised you?" once 2027-01-05 10:00',
            channel=general,
        )
        await core.run_job("prompts", community.id, force=True)
        await core.sender(chat_for(started.client)).drain(community_id=community.id, max_wait=5)
        (prompt,) = fake.messages_in(general.id)
        person = community.members[0].user
        thread = fake.world.start_thread(prompt, "Answers", person)
        await fake.gateway.dispatch("THREAD_CREATE", thread.payload() | {"newly_created": True})
        answer = fake.world.message_from(person, thread, "How much the teams overlap")
        await fake.gateway.dispatch("MESSAGE_CREATE", answer)
        texts: list[str] = []
        for _ in range(100):
            async with core.db.session() as session:
                texts = [a.text for a in (await session.scalars(select(PromptAnswerRow))).all()]
            if texts:
                break
            await asyncio.sleep(0.05)
        assert texts == ["How much the teams overlap"]
    finally:
        await started.stop()


async def test_an_admin_edits_the_digests_themes_and_a_member_may_not_list_them(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    member = community.members[0].user
    refused = await fake.slash(member, community.guild, community.channel, "themes")
    assert "`themes` is for leads" in reply_text(refused)
    owner = fake.world.users[community.guild.owner_id]
    what = 'add parking "Parking" "Finding a space near the office" "no spaces again"'
    added = await fake.slash(owner, community.guild, community.channel, "themes", what=what)
    assert "Added the theme `parking` (Parking)" in reply_text(added)
    listed = await fake.slash(owner, community.guild, community.channel, "themes")
    assert ephemeral(listed)
    assert "• `parking` Parking: Finding a space near the office" in reply_text(listed)
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community.id)
        assert row is not None and row.taxonomy is not None and "no spaces again" in row.taxonomy


async def test_an_admin_picks_the_digest_channel_and_the_weekly_digest_is_posted_there(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, client = running
    general = channel_named(fake, community, "general")
    owner = fake.world.users[community.guild.owner_id]
    picked = await fake.slash(
        owner, community.guild, community.channel, "set", setting="digest-channel", channel=general
    )
    assert f"digest-channel is now #{general.id}" in reply_text(picked)
    llm = await fake.slash(
        owner, community.guild, community.channel, "set", setting="llm", value="on"
    )
    assert "There is no LLM to turn on: set LLM_BASE_URL, LLM_MODEL" in reply_text(llm)
    await core.run_job("digest", community.id)
    await core.sender(chat_for(client)).drain(community_id=community.id, max_wait=5)
    text, picture = fake.messages_in(general.id)
    assert "Bridgework digest for" in text["content"]
    assert picture["attachments"] and picture["attachments"][0]["filename"].endswith(".png")


async def test_an_admin_grants_a_lead_and_links_a_discord_role_by_slash_command(
    running: tuple[Community, BridgeworkClient], core: Core, fake: FakeDiscord
) -> None:
    community, _ = running
    owner = fake.world.users[community.guild.owner_id]
    bob, dee = community.members[1], community.members[2]
    granted = await fake.slash(
        owner, community.guild, community.channel, "role", action="grant", role="lead", person=bob
    )
    assert reply_text(granted) == "Done: Person001 is now a lead of this community."
    asked = await fake.slash(bob.user, community.guild, community.channel, "digest")
    assert "on its way to you privately" in reply_text(asked)
    leads = fake.world.add_role(community.guild, "Team Leads")
    await fake.gateway.dispatch(
        "GUILD_ROLE_CREATE", {"guild_id": community.guild.id, "role": leads.payload()}
    )
    linked = await fake.slash(
        owner,
        community.guild,
        community.channel,
        "role",
        action="link",
        role="lead",
        platform_role=leads,
    )
    assert "“Team Leads” is a lead here" in reply_text(linked)
    dee.roles.append(leads.id)
    by_role = await fake.slash(dee.user, community.guild, community.channel, "digest")
    assert "on its way to you privately" in reply_text(by_role)
    listed = await fake.slash(owner, community.guild, community.channel, "roles")
    assert "• leads: Person001" in reply_text(listed)
