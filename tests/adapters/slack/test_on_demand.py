"""On Slack: `intro me` from two teams opens their group DM at once; an admin's `suggest`
introduces two people with the topic as the starter; followup_days later, the group is asked
"did you meet?" in its group DM, as a weekly round's groups are."""

from __future__ import annotations

from sqlalchemy import select

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.domain import Community, Platform, Role
from bot.settings import Settings
from bot.store import repo
from bot.store.models import OutcomeRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded
from tests.adapters.slack.test_http import command
from tests.conftest import MovableClock
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET


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


async def test_an_intro_me_pair_is_asked_did_you_meet_in_its_group_dm_and_we_met_counts(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: MovableClock,
) -> None:
    ids = people(fake, 2)  # two departments: two teams
    community = Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    assert (await sync_community(slack_settings, core, community)).enrolled == 2
    names = [fake.workspace.users[i].first_name for i in ids]
    await command(fake, web, ids[0], "intro me")
    await command(fake, web, ids[1], "intro me")
    sender = core.sender(chat_for(slack_settings, core))
    assert (await sender.drain(community_id=slack_community)).sent == 1
    [(dm, intro)] = fake.workspace.posts()
    clock.advance(days=3, minutes=-10)
    assert "follow-up" not in await core.run_job("sweep", slack_community)
    clock.advance(minutes=10)  # followup_days (3) after it was sent
    assert "1 on-demand follow-up queued" in await core.run_job("sweep", slack_community)
    assert "follow-up" not in await core.run_job("sweep", slack_community)
    report = await sender.drain(community_id=slack_community)
    assert report.dead == 0
    asked = copy("followup.ask", names=f"{names[0]}, {names[1]}")
    [(where, question)] = fake.workspace.posts()[1:]
    assert where == dm and asked in str(question["blocks"])
    assert asked in str(fake.workspace.conversations[dm].messages[0]["blocks"])  # intro updated
    [actions] = [b for b in question["blocks"] if b["type"] == "actions"]
    met = actions["elements"][0]
    payload = recorded(
        "block_actions_message",
        user={"id": ids[1], "username": "p", "name": "p", "team_id": TEAM},
        channel={"id": dm, "name": "mpdm"},
        response_url=fake.response_url(),
        actions=[{**met, "block_id": actions["block_id"], "type": "button", "action_ts": "1.0"}],
    )
    status, _ = await deliver(web.events, "interactive", payload, secret=SIGNING_SECRET)
    assert status == 200
    await fake.wait_for(lambda: bool(fake.responses))
    async with core.db.session() as session:
        outcomes = (await session.scalars(select(OutcomeRow))).all()
    assert [o.outcome for o in outcomes] == ["met"]
    assert intro["ts"] == fake.workspace.conversations[dm].messages[0]["ts"]
