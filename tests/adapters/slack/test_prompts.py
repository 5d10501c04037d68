"""Listening prompts on Slack: a facilitator schedules one with a #channel, the outbox posts it,
and members answer in its thread; the answers reach the core, their text never the logs."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from adapters.slack import chat_for
from bot.core import Core
from bot.settings import Settings
from bot.store.facilitation import PromptAnswerRow, ScheduleRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, Web, people, recorded, said
from tests.adapters.slack.test_http import command
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET

ANSWER = "We should pair across Sales and Legal more often."
SLACK_LOGGERS = ("slack_sdk", "slack_bolt", "adapters", "aiohttp", "uvicorn", "bot")


async def test_an_answer_in_a_prompts_thread_is_recorded_and_its_text_not_logged(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    facilitator, member = people(fake, 2)
    fake.workspace.users[facilitator].is_admin = True
    await command(fake, web, member, "join")
    text = f"prompt schedule “What surprised you?” once 2027-01-05 10:00 <#{CHANNEL}|coffee>"
    scheduled = await command(fake, web, facilitator, text)
    assert scheduled.startswith(said("prompt.scheduled"))
    async with core.db.session() as session:
        [schedule] = (await session.scalars(select(ScheduleRow))).all()
    await core.run_job("schedule", schedule.id, force=True)
    await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    [(channel, prompt)] = fake.workspace.posts()
    assert channel == CHANNEL and "What surprised you?" in prompt["text"]

    caplog.set_level(logging.DEBUG)  # even at DEBUG, Slack's side logs no answer
    reply = recorded("message_thread_reply")
    reply["event"] = {**reply["event"], "user": member, "thread_ts": prompt["ts"], "text": ANSWER}
    assert (await deliver(web.events, "event", reply, secret=SIGNING_SECRET))[0] == 200
    for _ in range(200):
        async with core.db.session() as session:
            answers = (await session.scalars(select(PromptAnswerRow))).all()
        if answers:
            break
        await asyncio.sleep(0.02)
    assert [a.text for a in answers] == [ANSWER]
    # Slack redelivers an event it thinks went unanswered: the answer is kept once. A later,
    # different reply is then recorded, so the redelivery had been handled before it.
    retried = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await deliver(web.events, "event", reply, secret=SIGNING_SECRET, headers=retried))[
        0
    ] == 200
    later = {
        **reply,
        "event_id": "Ev0LATER001",
        "event": {**reply["event"], "ts": "1798000200.000300", "text": "Later."},
    }
    assert (await deliver(web.events, "event", later, secret=SIGNING_SECRET))[0] == 200
    for _ in range(200):
        async with core.db.session() as session:
            answers = (await session.scalars(select(PromptAnswerRow))).all()
        if len(answers) > 1:
            break
        await asyncio.sleep(0.02)
    assert sorted(a.text for a in answers) == sorted([ANSWER, "Later."])
    slack_side = [r for r in caplog.records if r.name.startswith(SLACK_LOGGERS)]
    assert slack_side, "Slack's libraries logged the exchange"
    assert [r.name for r in slack_side if ANSWER in r.getMessage()] == []


async def test_someone_who_has_not_joined_is_told_privately_in_the_thread(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
) -> None:
    facilitator, stranger = people(fake, 2)
    fake.workspace.users[facilitator].is_admin = True
    text = f'prompt schedule "What surprised you?" once 2027-01-05 10:00 <#{CHANNEL}|coffee>'
    await command(fake, web, facilitator, text)
    async with core.db.session() as session:
        [schedule] = (await session.scalars(select(ScheduleRow))).all()
    await core.run_job("schedule", schedule.id, force=True)
    await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    [(_, prompt)] = fake.workspace.posts()
    reply = recorded("message_thread_reply")
    reply["event"] = {**reply["event"], "user": stranger, "thread_ts": prompt["ts"]}
    assert (await deliver(web.events, "event", reply, secret=SIGNING_SECRET))[0] == 200
    await fake.wait_for(lambda: bool(fake.workspace.ephemerals))
    [told] = fake.workspace.ephemerals
    first_name = fake.workspace.users[stranger].first_name
    assert (told["user"], told["thread_ts"]) == (stranger, prompt["ts"])
    assert told["text"] == copy("error.not_member", first_name=first_name)
