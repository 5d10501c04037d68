"""Membership sync on Slack: the channel's members are read page by page within the tier limits
and enrolled on `community add`, on an install, when the scheduler takes the lead, daily, on
`community sync`, and before a first `run-now intros`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from adapters.slack import chat_for, sync_community
from bot.cli import app
from bot.core import Core
from bot.delivery.scheduler import desired_jobs
from bot.delivery.shared_limits import SharedLimits
from bot.domain import Community, Platform
from bot.errors import InputError
from bot.runtime import run_once, serve, sync_through
from bot.settings import Settings
from bot.store.models import MemberRow, RoundRow
from tests.adapters.slack.conftest import CHANNEL, OTHER, TEAM, Web, install, people
from tests.fakes.clock import virtual_clock
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import BOT_TOKEN, User


async def active(core: Core) -> set[str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    return {r.platform_id for r in rows if r.status == "active"}


def coffee(community_id: int) -> Community:
    return Community(community_id, Platform.SLACK, TEAM, CHANNEL, "Coffee")


# On SQLite alone: the sync's ~4,000 round trips to the shared rate-limit state (a 250-person
# channel, every other users.info a 429) took 40–300 s on a PostgreSQL server shared by a loaded
# machine; the state's PostgreSQL path is tested in test_limits.py.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_channel_of_several_pages_is_read_within_the_tier_limits_and_all_enrolled(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
) -> None:
    # Slack's own windows (not sped up), on a clock that moves as the pacing sleeps: minutes
    # of waiting take no real time, and the fake's buckets read the same clock.
    time = virtual_clock()
    fake.scale, fake.now = 1.0, time.time
    core.limits = SharedLimits(core.db, now=time.time, sleep=time.sleep)
    ids = people(fake, 250)
    fake.limit("users.info", 20, 60.0)  # far tighter than tier 4's 100, so the limit is met
    seen: list[tuple[int, int]] = []
    began = time.time()
    report = await sync_community(
        slack_settings, core, coffee(slack_community), progress=lambda d, t: seen.append((d, t))
    )
    assert report.enrolled == 250 and await active(core) == set(ids)
    pages = fake.ok_calls_of("conversations.members")
    assert len(pages) == 2 and "cursor" not in pages[0].args and pages[1].args["cursor"]
    limited = [c for c in fake.calls_of("users.info") if c.status == 429]
    assert limited, "the test should meet the users.info limit"
    assert fake.inside_retry_after == 0
    listed = len(fake.workspace.conversations[CHANNEL].members)  # the people and the bot
    assert len(fake.ok_calls_of("users.info")) == listed == 251
    assert seen[-1] == (listed, listed) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    floor = (listed - 20) * 60.0 / 20  # a full bucket of 20, then one every 3 s
    assert floor <= time.time() - began <= 1.15 * floor


async def test_leavers_are_marked_and_come_back_when_they_rejoin(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    ids = people(fake, 4)
    await sync_community(slack_settings, core, coffee(slack_community))
    fake.workspace.conversations[CHANNEL].members.remove(ids[0])
    gone = await sync_community(slack_settings, core, coffee(slack_community))
    assert gone.removed == 1 and ids[0] not in await active(core)
    fake.workspace.conversations[CHANNEL].members.append(ids[0])
    back = await sync_community(slack_settings, core, coffee(slack_community))
    assert back.enrolled == 1 and ids[0] in await active(core)


async def test_an_install_enrols_the_people_in_the_workspaces_community(
    fake: FakeSlack, oauth_web: Web, core: Core
) -> None:
    community = await core.ensure_community(Platform.SLACK, OTHER, "C0OTHER001", name="Other")
    ids = people(fake, 3, channel="C0OTHER001")
    status, _ = await install(fake, oauth_web, OTHER)
    assert status == 200
    for _ in range(200):
        if await active(core) == set(ids):
            break
        await asyncio.sleep(0.02)
    assert await active(core) == set(ids)
    assert {c.args["channel"] for c in fake.ok_calls_of("conversations.members")} == {"C0OTHER001"}
    assert community


async def test_the_scheduler_enrols_the_channels_members_when_it_takes_the_lead(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    ids = people(fake, 5)
    task = asyncio.create_task(serve(core, slack_settings, "scheduler"))
    try:
        for _ in range(250):
            if await active(core) == set(ids):
                break
            await asyncio.sleep(0.02)
        assert await active(core) == set(ids)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_each_platform_community_has_a_daily_members_job_that_syncs_it(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int, community: int
) -> None:
    jobs = {spec.id: spec for spec in await desired_jobs(core.db)}
    assert f"members:{slack_community}" in jobs and f"members:{community}" not in jobs
    assert "hour='9'" in str(jobs[f"members:{slack_community}"].trigger)  # intros at 10:00
    ids = people(fake, 3)
    done = await sync_through(core, chat_for(slack_settings, core), slack_community)
    assert done.startswith("members synced: 3 enrolled") and await active(core) == set(ids)


async def test_run_now_intros_before_any_sync_syncs_the_channel_first(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    people(fake, 6)
    done = await run_once(core, slack_settings, "intros", slack_community)
    assert done.startswith("round 1: 3 groups; delivered 3")


async def test_run_now_intros_with_nobody_in_the_channel_refuses_without_a_round(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    fake.workspace.add_channel(CHANNEL, [])
    with pytest.raises(InputError, match="nobody to introduce yet"):
        await run_once(core, slack_settings, "intros", slack_community)
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RoundRow)) == 0


# The command line runs its own event loop: the fake runs in a thread of its own.


@pytest.fixture
def threaded_fake() -> Iterator[FakeSlack]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    slack = asyncio.run_coroutine_threadsafe(FakeSlack().start(), loop).result(10)
    try:
        yield slack
    finally:
        asyncio.run_coroutine_threadsafe(slack.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def cli_env(
    threaded_fake: FakeSlack, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeSlack:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", threaded_fake.api_url)
    return threaded_fake


def test_community_add_enrols_the_people_already_in_the_channel(cli_env: FakeSlack) -> None:
    people(cli_env, 7)
    cli_env.workspace.add_user(User("U0GUEST001", "Gus", is_restricted=True))
    cli_env.workspace.conversations[CHANNEL].members.append("U0GUEST001")
    added = CliRunner().invoke(
        app,
        ["community", "add", "--platform", "slack", "--workspace", TEAM]
        + ["--channel", CHANNEL, "--name", "Coffee"],
    )
    assert added.exit_code == 0, added.output
    assert "Community 1: 7 enrolled, 0 already in, 0 marked as left" in added.output
    assert "left out: 1 bot, 1 guest" in added.output  # the bot user and Slackbot are bots
    again = CliRunner().invoke(app, ["community", "sync", "--community", "1"])
    assert again.exit_code == 0, again.output
    assert "Community 1: 0 enrolled, 7 already in" in again.output


@pytest.mark.parametrize("command", ["add", "sync"])
def test_community_add_and_sync_say_slack_cannot_be_reached_and_exit_2(
    cli_env: FakeSlack, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    add = ["community", "add", "--platform", "slack", "--workspace", TEAM]
    add += ["--channel", CHANNEL, "--name", "Coffee"]
    people(cli_env, 3)
    if command == "sync":
        assert CliRunner().invoke(app, add).exit_code == 0
    closed = "http://127.0.0.1:9/api/"
    monkeypatch.setenv("SLACK_API_URL", closed)
    args = add if command == "add" else ["community", "sync", "--community", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"cannot reach Slack at {closed}" in result.output
    assert "Traceback" not in result.output
