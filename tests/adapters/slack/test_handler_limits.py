"""Request handlers keep to the same rate-limit state as the sender's process: a 429 one of them
learns holds the method for the other, whichever learnt it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.slack.chat import SlackChat
from bot.core import Core
from bot.delivery.shared_limits import SharedLimits
from bot.errors import RateLimited
from bot.store.db import Database
from tests.adapters.slack.conftest import TEAM, Web, people, recorded, said
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import BOT_TOKEN, SIGNING_SECRET

COMMANDS = 20


@pytest.fixture
async def worker(db_url: str, fake: FakeSlack, core: Core) -> AsyncIterator[SlackChat]:
    """The Slack Chat of another process on the same database (a sender, or a member sync)."""
    db = Database(db_url)
    try:
        yield SlackChat(
            BOT_TOKEN,
            api_url=fake.api_url,
            workspace=TEAM,
            limits=SharedLimits(db),
            tier_scale=fake.scale,
        )
    finally:
        await db.dispose()


async def commands(fake: FakeSlack, web: Web, joining: list[str], *, named: bool = True) -> None:
    """``/bridgework join`` from each of ``joining`` at once; each is answered (``named``: by
    first name, which users.info gave)."""
    urls = {uid: fake.response_url() for uid in joining}

    async def join(uid: str) -> int:
        payload = recorded("slash_command", user_id=uid, text="join", response_url=urls[uid])
        status, _ = await deliver(web.events, "command", payload, secret=SIGNING_SECRET)
        return status

    assert await asyncio.gather(*(join(uid) for uid in joining)) == [200] * len(joining)
    await fake.wait_for(lambda: len(fake.responses) >= len(joining), timeout=30)
    answers = {path: body for path, body in fake.responses}
    for uid in joining:
        first = fake.workspace.users[uid].first_name if named else uid
        answer = answers[urls[uid].removeprefix(fake.base)]
        assert answer["text"].startswith(said("join.ok", first_name=first))


async def test_a_burst_of_commands_waits_out_a_429_another_process_learnt(
    fake: FakeSlack, web: Web, core: Core, slack_community: int, worker: SlackChat
) -> None:
    crowd = people(fake, COMMANDS + 1)
    fake.fail_next("users.info", "ratelimited", status=429, retry_after=1)
    with pytest.raises(RateLimited):
        await worker.call("users.info", lambda web: web.users_info(user=crowd[0]))
    await commands(fake, web, crowd[1:])
    assert len(fake.ok_calls_of("users.info")) >= COMMANDS  # each was asked, after the window
    assert fake.inside_retry_after == 0


async def test_another_process_waits_out_a_429_a_command_learnt(
    fake: FakeSlack, web: Web, core: Core, slack_community: int, worker: SlackChat
) -> None:
    crowd = people(fake, 3)
    fake.fail_next("users.info", "ratelimited", status=429, retry_after=1)
    await commands(fake, web, crowd[:1], named=False)  # without the person's facts, yet answered
    assert [c.status for c in fake.calls_of("users.info")] == [429]
    member = await worker.member(crowd[1])  # a member sync's read: it waits the hold out
    assert member.platform_id == crowd[1]
    assert [c.status for c in fake.calls_of("users.info")] == [429, 200]
    assert fake.inside_retry_after == 0
