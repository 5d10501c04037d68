"""Fail before, not after: `run-now` and `outbox drain` check Slack first and queue nothing that
cannot go out; `run` keeps trying an unreachable Slack; a process without Slack credentials leaves
Slack's messages pending for one that has them."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from adapters.slack import sync_community
from bot import runtime
from bot.core import Core
from bot.errors import ConfigError, PlatformUnavailable
from bot.plugins import load_adapter
from bot.settings import Settings
from bot.store import repo
from bot.store.models import GroupRow, OutboxRow
from tests.adapters.slack.conftest import people
from tests.fakes.slack.server import FakeSlack

CLOSED = "http://127.0.0.1:9/api/"  # nothing listens there


async def enrolled(core: Core, settings: Settings, community: int) -> None:
    async with core.db.session() as session:
        row = await repo.get_community(session, community)
    assert row is not None
    report = await sync_community(settings, core, repo.to_community(row))
    assert report.enrolled == 4


async def queued(core: Core) -> tuple[int, int]:
    async with core.db.session() as session:
        groups = await session.scalar(select(func.count()).select_from(GroupRow))
        rows = await session.scalar(select(func.count()).select_from(OutboxRow))
    return int(groups or 0), int(rows or 0)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"slack_api_url": CLOSED}, PlatformUnavailable, f"cannot reach Slack at {CLOSED}"),
        (
            {"slack_bot_token": SecretStr("xoxb-0000-revoked")},
            ConfigError,
            "SLACK_BOT_TOKEN: Slack refused it (auth.test: invalid_auth)",
        ),
        (
            {"slack_bot_token": None, "slack_app_token": None},
            ConfigError,
            "SLACK_BOT_TOKEN: not set: needed to deliver to slack",
        ),
    ],
)
async def test_run_now_checks_slack_first_and_queues_nothing_it_cannot_send(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    change: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    people(fake, 4)
    await enrolled(core, slack_settings, slack_community)
    broken = slack_settings.model_copy(update=change)
    with pytest.raises(error) as caught:
        await runtime.run_once(core, broken, "intros", slack_community)
    assert message in str(caught.value)
    assert "xoxb-0000-revoked" not in str(caught.value)
    assert await queued(core) == (0, 0)
    done = await runtime.run_once(core, slack_settings, "intros", slack_community)
    assert done == "round 1: 2 groups; delivered 2, dead 0"  # the day is not lost


async def test_outbox_drain_checks_slack_before_touching_a_message(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    people(fake, 4)
    await enrolled(core, slack_settings, slack_community)
    await core.run_round(slack_community)
    unreachable = slack_settings.model_copy(update={"slack_api_url": CLOSED})
    with pytest.raises(PlatformUnavailable, match="cannot reach Slack"):
        await runtime.drain(core, unreachable, None)
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert [(r.status, r.attempts) for r in rows] == [("pending", 0), ("pending", 0)]


async def test_a_sender_without_slack_credentials_leaves_slacks_messages_pending(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    people(fake, 4)
    await enrolled(core, slack_settings, slack_community)
    await core.run_round(slack_community)
    bare = slack_settings.model_copy(
        update={"slack_bot_token": None, "slack_app_token": None, "slack_signing_secret": None}
    )
    task = asyncio.ensure_future(runtime.serve(core, bare, "sender", idle=0.05))
    for _ in range(400):  # until the sender has put every row back, at most 20 s
        await asyncio.sleep(0.05)
        async with core.db.session() as session:
            errors = (await session.scalars(select(OutboxRow.last_error))).all()
        if errors and all(e is not None for e in errors):
            break
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 0)}
    assert {r.last_error for r in rows} == {"not configured: this process has no slack credentials"}
    assert await runtime.run_once(core, slack_settings, "followups", slack_community)


async def test_run_keeps_trying_an_unreachable_slack_without_a_traceback(
    slack_settings: Settings, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    unreachable = slack_settings.model_copy(
        update={"slack_api_url": CLOSED, "slack_signing_secret": None}
    )
    sleeps: list[float] = []

    async def short(delay: float) -> None:
        sleeps.append(delay)
        if len(sleeps) == 3:
            raise asyncio.CancelledError

    load = load_adapter("slack")
    with pytest.raises(asyncio.CancelledError):
        await runtime.keep_trying(lambda: load.serve(unreachable, core), sleep=short)
    gc.collect()
    assert sleeps == [1.0, 2.0, 4.0]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings[0].startswith(f"cannot reach Slack at {CLOSED} (")
    assert warnings[0].endswith("; trying again in 1 s")
    assert len([w for w in warnings if "cannot reach Slack" in w]) == 3
    assert "Unclosed client session" not in caplog.text
    assert not any(r.exc_info for r in caplog.records)
