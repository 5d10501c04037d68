"""Slack retries an Events API delivery it thinks failed (an error, or no answer in 3 seconds),
marked ``X-Slack-Retry-Num`` over HTTP and ``retry_attempt`` over Socket Mode, though the first
attempt may have done its work. A retry of an event already handled is acknowledged, and not
handled again: a late retry of "Ada left" must not undo her joining again since."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from adapters.slack import serve
from bot.core import Core
from bot.settings import Settings
from bot.store.models import MemberRow
from tests.adapters.slack.conftest import Web, people, recorded
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


async def status_of(core: Core, uid: str) -> str | None:
    async with core.db.session() as session:
        row = await session.scalar(select(MemberRow).where(MemberRow.platform_id == uid))
    return row.status if row is not None else None


def left(uid: str) -> dict[str, object]:
    payload = recorded("member_left_channel", event_id="Ev0LEFT0001")
    payload["event"] = {**payload["event"], "user": uid}
    return payload


def joined(uid: str, event_id: str) -> dict[str, object]:
    payload = recorded("member_joined_channel", event_id=event_id)
    payload["event"] = {**payload["event"], "user": uid}
    return payload


async def test_a_retried_http_event_already_handled_is_acknowledged_and_not_handled_again(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    assert (await deliver(web.events, "event", joined(ada, "Ev0JOIN0001"), secret=SIGNING_SECRET))[
        0
    ] == 200
    assert await status_of(core, ada) == "active"
    assert (await deliver(web.events, "event", left(ada), secret=SIGNING_SECRET))[0] == 200
    assert await status_of(core, ada) == "left"
    rejoined = joined(ada, "Ev0JOIN0002")
    assert (await deliver(web.events, "event", rejoined, secret=SIGNING_SECRET))[0] == 200
    assert await status_of(core, ada) == "active"
    lookups = len(fake.calls_of("users.info"))

    late = await deliver(web.events, "event", left(ada), secret=SIGNING_SECRET, headers=RETRY)
    again = await deliver(web.events, "event", rejoined, secret=SIGNING_SECRET, headers=RETRY)

    assert (late[0], again[0]) == (200, 200)
    assert await status_of(core, ada) == "active"
    assert len(fake.calls_of("users.info")) == lookups  # the retried join looked nobody up


async def test_a_retried_socket_mode_event_already_handled_is_acknowledged_and_not_handled_again(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    running = asyncio.create_task(serve(slack_settings, core))
    try:
        await fake.push("events_api", joined(ada, "Ev0JOIN0001"))
        await fake.push("events_api", left(ada))
        assert await status_of(core, ada) == "left"
        await fake.push("events_api", joined(ada, "Ev0JOIN0002"))
        assert await status_of(core, ada) == "active"
        retried = await fake.push("events_api", left(ada), retry_attempt=1, retry_reason="timeout")
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert retried.acked.is_set()
    assert await status_of(core, ada) == "active"


async def test_a_retry_of_an_event_that_failed_is_handled(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    fake.fail_next("users.info", "internal_error", status=500)
    first = await deliver(web.events, "event", joined(ada, "Ev0JOIN0001"), secret=SIGNING_SECRET)
    assert first[0] == 500  # Slack is told, and retries
    assert await status_of(core, ada) is None
    retry = await deliver(
        web.events, "event", joined(ada, "Ev0JOIN0001"), secret=SIGNING_SECRET, headers=RETRY
    )
    assert retry[0] == 200
    assert await status_of(core, ada) == "active"
