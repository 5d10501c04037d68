from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar import next_round_at
from bot.core import Core
from bot.delivery.scheduler import Scheduler, cron
from bot.domain import Cadence, CommunitySettings
from tests.conftest import MovableClock, say


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, kind: str, community_id: int) -> str:
        self.calls.append((kind, community_id))
        return "done"


def local_fire_times(zone: str, start: datetime, count: int) -> list[datetime]:
    trigger = cron(0, "10:00", zone)
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


@pytest.mark.parametrize(
    ("zone", "start", "utc_hours"),
    [
        ("Europe/Berlin", datetime(2027, 3, 15, tzinfo=UTC), [9, 9, 8, 8]),  # CET → CEST on 28 Mar
        ("Europe/Berlin", datetime(2027, 10, 18, tzinfo=UTC), [8, 8, 9, 9]),  # back on 31 Oct
        ("America/New_York", datetime(2027, 3, 1, tzinfo=UTC), [15, 15, 14, 14]),  # 14 Mar
    ],
)
def test_a_weekly_job_keeps_its_local_time_across_daylight_saving(
    zone: str, start: datetime, utc_hours: list[int]
) -> None:
    times = local_fire_times(zone, start, 4)
    assert [t.astimezone(ZoneInfo(zone)).hour for t in times] == [10, 10, 10, 10]
    assert [t.astimezone(UTC).hour for t in times] == utc_hours
    assert all(t.weekday() == 0 for t in times)


def test_the_next_round_keeps_its_local_time_across_daylight_saving() -> None:
    settings = CommunitySettings(timezone="Europe/Berlin", weekday=0, local_time="10:00")
    before = next_round_at(settings, datetime(2027, 3, 16, tzinfo=UTC))
    after = next_round_at(settings, before)
    assert (before.hour, after.hour) == (9, 8)
    assert after - before == timedelta(days=7, hours=-1)


def test_a_fortnightly_round_falls_two_weeks_after_the_last() -> None:
    settings = CommunitySettings(cadence=Cadence.BIWEEKLY, timezone="UTC", weekday=2)
    moment = next_round_at(settings, datetime(2027, 1, 7, tzinfo=UTC), date(2027, 1, 6))
    assert moment == datetime(2027, 1, 20, 10, 0, tzinfo=UTC)


async def test_jobs_follow_the_communitys_settings(core: Core, community: int) -> None:
    recorder = Recorder()
    scheduler = Scheduler(core.db, recorder, grace=timedelta(hours=6))
    await scheduler.start()
    try:
        intro = scheduler.next_run(f"intros:{community}")
        follow = scheduler.next_run(f"followups:{community}")
        assert intro is not None and follow is not None
        london = intro.astimezone(ZoneInfo("Europe/London"))
        assert (london.weekday(), london.hour, london.minute) == (0, 10, 0)
        assert follow.astimezone(ZoneInfo("Europe/London")).weekday() == 3
        await core.handle(say("boss", "set day friday", admin=True))
        await scheduler.reconcile()
        moved = scheduler.next_run(f"intros:{community}")
        assert moved is not None
        assert moved.astimezone(ZoneInfo("Europe/London")).weekday() == 4
    finally:
        await scheduler.stop()


async def wait_for(condition: object, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)


async def go_down_across_a_due_time(core: Core, job_id: str, ago: timedelta) -> None:
    """A scheduler stores its jobs and stops; the job's run falls due ``ago`` while it is down."""
    first = Scheduler(core.db, Recorder(), grace=timedelta(hours=6))
    await first.start()
    first.aps.modify_job(job_id, jobstore="default", next_run_time=datetime.now(UTC) - ago)
    first.aps.pause()
    await first.stop()


async def test_a_run_missed_while_down_runs_once_after_a_restart(
    core: Core, community: int
) -> None:
    grace = timedelta(hours=6)
    await go_down_across_a_due_time(core, f"intros:{community}", timedelta(minutes=30))
    recorder = Recorder()
    second = Scheduler(core.db, recorder, grace=grace)
    await second.start()
    await wait_for(lambda: recorder.calls)
    await asyncio.sleep(0.3)
    await second.stop()
    assert recorder.calls == [("intros", community)]
    again = Recorder()
    third = Scheduler(core.db, again, grace=grace)
    await third.start()
    await asyncio.sleep(0.5)
    upcoming = third.next_run(f"intros:{community}")
    await third.stop()
    assert again.calls == []
    assert upcoming is not None and upcoming > datetime.now(UTC)


async def test_a_run_missed_beyond_the_grace_window_is_skipped_and_logged(
    core: Core, community: int, caplog: pytest.LogCaptureFixture
) -> None:
    await go_down_across_a_due_time(core, f"intros:{community}", timedelta(hours=7))
    recorder = Recorder()
    second = Scheduler(core.db, recorder, grace=timedelta(hours=6))
    with caplog.at_level(logging.WARNING, logger="bot.delivery.scheduler"):
        await second.start()
        await wait_for(lambda: second.missed)
        await asyncio.sleep(0.2)
    await second.stop()
    assert recorder.calls == []
    assert second.missed == [f"intros:{community}"]
    assert "missed its run" in caplog.text and "skipped" in caplog.text


async def test_a_fortnightly_community_skips_the_week_in_between(
    core: Core, community: int, clock: MovableClock
) -> None:
    await core.handle(say("boss", "set cadence biweekly", admin=True))
    for i in range(4):
        await core.handle(say(f"p{i}", "join"))
    assert (await core.run_job("intros", community)).startswith("round 1")
    clock.advance(weeks=1)
    assert (await core.run_job("intros", community)).startswith("not due")
    clock.advance(weeks=1)
    assert (await core.run_job("intros", community)).startswith("round 2")
    assert (await core.run_job("intros", community, force=True)) == "round 2 already ran today"


async def test_paused_members_are_left_out_at_run_time(
    core: Core, community: int, clock: MovableClock
) -> None:
    for i in range(4):
        await core.handle(say(f"p{i}", "join"))
    await core.handle(say("p0", "pause 1 week"))
    assert await core.run_job("intros", community) == "round 1: 1 group"
