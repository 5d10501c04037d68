"""End to end: a Slack community's members are synced, get a round of introductions and its
follow-ups through the outbox, and answer; each group DM opens once, each message posts once."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.delivery.codec import decode
from bot.delivery.outbox import claim
from bot.delivery.sender import Sender
from bot.domain import Community, Platform
from bot.settings import Settings
from bot.store.models import OutboxRow, OutcomeRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded, said
from tests.conftest import MovableClock
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET, User


def community_of(community_id: int) -> Community:
    return Community(community_id, Platform.SLACK, TEAM, CHANNEL, "Coffee")


async def synced(fake: FakeSlack, settings: Settings, core: Core, community_id: int) -> list[str]:
    ids = people(fake, 9)
    fake.workspace.add_user(User("U0GUEST001", "Gus", is_restricted=True))
    fake.workspace.conversations[CHANNEL].members.append("U0GUEST001")
    report = await sync_community(settings, core, community_of(community_id))
    assert report.enrolled == 9  # the bot, Slackbot and the guest are facts the core left out
    return ids


async def test_a_round_opens_each_group_dm_once_and_posts_each_intro_once(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int, clock: MovableClock
) -> None:
    ids = await synced(fake, slack_settings, core, slack_community)
    result = await core.run_round(slack_community)
    assert sorted(p for g in result.groups for p in g) == sorted(ids)
    report = await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    assert report.sent == len(result.groups) == 4  # four pairs and a trio
    assert fake.calls_of("conversations.history") == []  # nothing in doubt: nothing read
    opened = Counter(c.args["users"] for c in fake.ok_calls_of("conversations.open"))
    assert sorted(opened) == sorted(",".join(g) for g in result.groups)
    assert set(opened.values()) == {1}
    posts = fake.workspace.posts()
    assert len(posts) == len(result.groups)
    assert sorted(m["metadata"]["event_payload"]["key"] for _, m in posts) == [
        f"intro:{slack_community}:1:{i}" for i in range(len(result.groups))
    ]
    for conversation, message in posts:
        people_in = [
            fake.workspace.users[u]
            for u in fake.workspace.conversations[conversation].members
            if u != fake.workspace.bot_user
        ]
        fields = [f["text"] for b in message["blocks"] for f in b.get("fields", [])]
        assert sorted(fields) == sorted(f"*{u.first_name}*\n{u.team}" for u in people_in)
        texts = [b["text"]["text"] for b in message["blocks"] if "text" in b]
        notes = {copy("intro.scheduler", first_name=u.first_name) for u in people_in}
        assert notes & set(texts), "one of them is asked to suggest a time"


async def test_the_follow_ups_ask_in_a_new_message_and_update_the_intros_buttons(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int, clock: MovableClock
) -> None:
    await synced(fake, slack_settings, core, slack_community)
    result = await core.run_round(slack_community)
    sender = core.sender(chat_for(slack_settings, core))
    await sender.drain(community_id=slack_community)
    intro_actions = {m["ts"]: _actions_id(m) for _, m in fake.workspace.posts()}
    clock.advance(days=3)
    assert await core.send_followups(slack_community) == len(result.groups)
    report = await sender.drain(community_id=slack_community)
    assert report.sent == 2 * len(result.groups)
    assert len(fake.ok_calls_of("chat.update")) == len(result.groups)
    assert len(fake.ok_calls_of("chat.postMessage")) == 2 * len(result.groups)
    assert len(fake.ok_calls_of("conversations.open")) == len(result.groups)
    intro_channels = {channel for channel, m in fake.workspace.posts() if m["ts"] in intro_actions}
    asks = [(c, m) for c, m in fake.workspace.posts() if m["ts"] not in intro_actions]
    assert sorted(c for c, _ in asks) == sorted(intro_channels)  # a new message in each group
    for _, ask in asks:
        assert ask["text"].startswith(said("followup.ask"))  # which notifies its people
        assert "edited" not in ask and _actions_id(ask)
    for _, message in fake.workspace.posts():
        if message["ts"] not in intro_actions:
            continue
        texts = [b["text"]["text"] for b in message["blocks"] if "text" in b]
        assert texts[0].startswith(said("intro.greeting"))  # the intro stays, the question is added
        assert any(t.startswith(said("followup.ask")) for t in texts)
        assert "edited" in message
        assert _actions_id(message) != intro_actions[message["ts"]]  # Slack wants a new block_id


async def test_an_intro_posted_just_before_a_crash_is_not_posted_again(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int, clock: MovableClock
) -> None:
    await synced(fake, slack_settings, core, slack_community)
    result = await core.run_round(slack_community)
    [claimed], _ = await claim(core.db, clock(), batch=1, lease=10.0)  # a sender claims a row…
    async with core.db.session() as session:
        first = await session.get(OutboxRow, claimed)
    assert first is not None
    crashed = chat_for(slack_settings, core)(community_of(slack_community))
    where = await crashed.open_group(first.people)
    await crashed.send(where, decode(first.payload), key=first.key)  # …posts it, and dies
    clock.advance(seconds=11)  # its lease runs out
    await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    assert len(fake.workspace.posts()) == len(result.groups)
    keys = Counter(m["metadata"]["event_payload"]["key"] for _, m in fake.workspace.posts())
    assert set(keys.values()) == {1}
    # Only the row in doubt was looked for: one read, of its conversation.
    assert [c.args["channel"] for c in fake.calls_of("conversations.history")] == [where.id]


async def test_pressing_we_met_in_the_group_dm_records_the_answer_and_thanks_privately(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
) -> None:
    await synced(fake, slack_settings, core, slack_community)
    await core.run_round(slack_community)
    await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    conversation, message = fake.workspace.posts()[0]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    met = actions["elements"][0]
    presser = fake.workspace.conversations[conversation].members[0]
    url = fake.response_url()
    payload = recorded(
        "block_actions_message",
        user={"id": presser, "username": "p", "name": "p", "team_id": TEAM},
        channel={"id": conversation, "name": "mpdm"},
        response_url=url,
        actions=[{**met, "block_id": actions["block_id"], "type": "button", "action_ts": "1.0"}],
    )
    status, _ = await deliver(web.events, "interactive", payload, secret=SIGNING_SECRET)
    assert status == 200
    await fake.wait_for(lambda: bool(fake.responses))
    [(_, answer)] = fake.responses
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    first_name = fake.workspace.users[presser].first_name
    assert answer["text"] == copy(
        "followup.thanks", first_name=first_name, outcome=copy("outcome.met")
    )
    async with core.db.session() as session:
        outcomes = (await session.scalars(select(OutcomeRow))).all()
    assert [o.outcome for o in outcomes] == ["met"]


async def test_a_rate_limit_is_waited_out_by_the_outbox_not_by_slack_sdk(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int, clock: MovableClock
) -> None:
    await synced(fake, slack_settings, core, slack_community)
    result = await core.run_round(slack_community)
    fake.fail_next("conversations.open", "ratelimited", status=429, retry_after=30)

    async def wait(seconds: float) -> None:
        clock.advance(seconds=seconds)

    core.limits.now = lambda: clock().timestamp()  # the shared limits keep the test's time
    core.limits.sleep = wait
    sender = Sender(core.db, chat_for(slack_settings, core), clock=clock, sleep=wait)
    report = await sender.drain(community_id=slack_community)
    assert report.sent == len(result.groups)
    # The 429 holds the whole workspace: the row it hit, and any row of a stream side by side
    # that went to call Slack while the hold stood, wait it out; Slack answers 429 only once.
    assert 1 <= report.retried < len(result.groups) and any(w >= 30 for w in report.waits)
    opened = [c.status for c in fake.calls_of("conversations.open")]
    assert opened[0] == 429 and opened.count(429) == 1
    assert len(fake.workspace.posts()) == len(result.groups)


def _actions_id(message: dict[str, Any]) -> str:
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    return str(actions["block_id"])
