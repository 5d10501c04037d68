"""On Slack: `intro me` from two teams opens their group DM at once; an admin's `suggest`
introduces two people with the topic as the starter."""

from __future__ import annotations

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.domain import Community, Platform, Role
from bot.settings import Settings
from bot.store import repo
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people
from tests.adapters.slack.test_http import command
from tests.fakes.slack.server import FakeSlack


async def test_intro_me_from_two_teams_and_a_suggestion_open_group_dms_at_once(
    fake: FakeSlack, web: Web, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    ids = people(fake, 4)  # four departments: four teams
    community = Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    assert (await sync_community(slack_settings, core, community)).enrolled == 4
    names = [fake.workspace.users[i].first_name for i in ids]
    async with core.db.transaction() as session:
        await repo.grant_role(session, slack_community, ids[3], Role.FACILITATOR)
    assert await command(fake, web, ids[0], "intro me") == copy(
        "intro_me.queued", first_name=names[0]
    )
    assert await command(fake, web, ids[1], "intro me") == copy(
        "intro_me.matched", first_name=names[1], names=names[0]
    )
    topic = "how each team plans its quarter"
    answer = await command(fake, web, ids[3], f'suggest <@{ids[0]}> <@{ids[2]}|x> "{topic}"')
    assert answer == copy("suggest.done", names=f"{names[0]} and {names[2]}", topic=topic)
    report = await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    assert report.sent == 2 and report.dead == 0
    posts = fake.workspace.posts()
    opened = {
        frozenset(fake.workspace.conversations[c].members) - {fake.workspace.bot_user}: m
        for c, m in posts
    }
    asked, suggested = opened[frozenset(ids[:2])], opened[frozenset((ids[0], ids[2]))]
    greeting = copy("on_demand.greeting", names=f"{names[0]} and {names[1]}")
    assert greeting in str(asked["blocks"])
    assert topic in str(suggested["blocks"])
    refused = await command(fake, web, ids[3], f'suggest <@{ids[3]}> <@{ids[2]}> "{topic}"')
    assert "you can't suggest yourself" in refused
