"""Reflection check-ins on Slack: asked privately in a DM, answered in a modal opened from its
button (views.open with the press's trigger), the submission answered inside the modal."""

from __future__ import annotations

import json

from sqlalchemy import select

from adapters.slack import chat_for, render
from bot.core import Core
from bot.settings import Settings
from bot.store.facilitation import ScheduleRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded
from tests.adapters.slack.test_http import command
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET


async def a_scheduled_check_in(fake: FakeSlack, web: Web, core: Core) -> tuple[str, int]:
    """A member who joined, and a one-off check-in an admin scheduled: (member, schedule id)."""
    facilitator, member = people(fake, 2)
    fake.workspace.users[facilitator].is_admin = True
    await command(fake, web, member, "join")
    await command(
        fake, web, facilitator, 'checkin schedule "What stayed with you?" once 2027-01-05 10:00'
    )
    async with core.db.session() as session:
        [schedule] = (await session.scalars(select(ScheduleRow))).all()
    return member, schedule.id


async def test_a_check_in_is_asked_in_a_dm_and_answered_in_a_modal(
    fake: FakeSlack, web: Web, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    member, schedule_id = await a_scheduled_check_in(fake, web, core)
    await core.run_job("schedule", schedule_id, force=True)
    await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    [(dm, ask)] = fake.workspace.posts()
    assert fake.workspace.conversations[dm].kind == "im"
    assert set(fake.workspace.conversations[dm].members) == {member, fake.workspace.bot_user}

    [actions] = [b for b in ask["blocks"] if b["type"] == "actions"]
    [answer] = [e for e in actions["elements"] if e["text"]["text"] == copy("checkin.answer")]
    press = recorded(
        "block_actions_message",
        user={"id": member, "username": "m", "name": "m", "team_id": TEAM},
        channel={"id": dm, "name": "directmessage"},
        response_url=fake.response_url(),
        actions=[{**answer, "block_id": actions["block_id"], "type": "button", "action_ts": "1"}],
    )
    assert (await deliver(web.events, "interactive", press, secret=SIGNING_SECRET))[0] == 200
    await fake.wait_for(lambda: bool(fake.workspace.modals))
    [modal] = fake.workspace.modals
    assert modal["title"]["text"] == copy("checkin.form_title")
    assert modal["blocks"][0]["label"]["text"] == "What stayed with you?"

    submitted = recorded("view_submission", user=press["user"])
    submitted["view"] = {
        **submitted["view"],
        "callback_id": modal["callback_id"],
        "private_metadata": modal["private_metadata"],
        "title": modal["title"],
        "state": {"values": {"q0": {"q0": {"type": "plain_text_input", "value": "Listening."}}}},
    }
    status, body = await deliver(web.events, "interactive", submitted, secret=SIGNING_SECRET)
    assert status == 200
    answered = json.loads(body)
    assert answered["response_action"] == "update"
    first_name = fake.workspace.users[member].first_name
    shown = [b["text"]["text"] for b in answered["view"]["blocks"]]
    assert shown == [copy("checkin.thanks", first_name=first_name)]


async def test_an_empty_answer_is_shown_beside_its_field_and_the_modal_stays_open(
    fake: FakeSlack, web: Web, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    member, schedule_id = await a_scheduled_check_in(fake, web, core)
    checkin_id = (await core.run_job("schedule", schedule_id, force=True)).split()[1].rstrip(":")
    submitted = recorded("view_submission", user={"id": member, "team_id": TEAM})
    submitted["view"] = {
        **submitted["view"],
        "callback_id": f"checkin:{checkin_id}",
        "private_metadata": render.form_metadata(CHANNEL),
        "state": {"values": {"q0": {"q0": {"type": "plain_text_input", "value": "   "}}}},
    }
    status, body = await deliver(web.events, "interactive", submitted, secret=SIGNING_SECRET)
    assert status == 200
    answered = json.loads(body)
    assert answered["response_action"] == "errors"
    first_name = fake.workspace.users[member].first_name
    assert answered["errors"] == {"q0": copy("answer.empty", first_name=first_name)}
