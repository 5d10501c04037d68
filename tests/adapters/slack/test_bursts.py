"""Bursts through HTTP mode: a channel's worth of joins and a crowd of commands at once, on the
Bolt app served by uvicorn (``run --role web``), signed as Slack signs them. Every write lands
and every request is answered; where one could not be, Slack got an error, and retried."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from bot.core import Core
from bot.store.models import MemberRow
from tests.adapters.slack.conftest import Web, people, recorded, said
from tests.fakes.slack.delivery import deliver, deliver_event
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET

JOINS = 300
JOINS_AT_ONCE = 8
COMMANDS = 200


async def members(core: Core) -> dict[str, str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    return {r.platform_id: r.status for r in rows}


async def test_a_channel_of_joins_eight_at_a_time_enrols_every_one(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    joining = people(fake, JOINS)
    gate = asyncio.Semaphore(JOINS_AT_ONCE)

    async def join(n: int, uid: str) -> list[int]:
        payload = recorded("member_joined_channel", event_id=f"Ev0JOIN{n:05d}")
        payload["event"] = {**payload["event"], "user": uid}
        async with gate:
            return await deliver_event(web.events, payload, secret=SIGNING_SECRET)

    attempts = await asyncio.gather(*(join(n, uid) for n, uid in enumerate(joining)))
    assert all(200 <= tries[-1] < 300 for tries in attempts), "an event Slack gave up on"
    assert await members(core) == dict.fromkeys(joining, "active")


async def test_two_hundred_commands_at_once_are_each_done_and_answered(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    joining = people(fake, COMMANDS)
    urls = {uid: fake.response_url() for uid in joining}

    async def join(uid: str) -> int:
        payload = recorded("slash_command", user_id=uid, text="join", response_url=urls[uid])
        status, _ = await deliver(web.events, "command", payload, secret=SIGNING_SECRET)
        return status

    statuses = await asyncio.gather(*(join(uid) for uid in joining))
    assert statuses == [200] * COMMANDS
    assert await members(core) == dict.fromkeys(joining, "active")
    await fake.wait_for(lambda: len(fake.responses) >= COMMANDS, timeout=30)
    answers = {path: body for path, body in fake.responses}
    for uid in joining:
        answer = answers[urls[uid].removeprefix(fake.base)]
        first = fake.workspace.users[uid].first_name
        assert answer["text"].startswith(said("join.ok", first_name=first)), json.dumps(answer)
