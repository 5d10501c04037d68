"""Blackout days: `skip` adds, lists and clears them; a round, prompt or check-in that falls on
one moves to the day after (once), or is skipped, per `set blackout`; bad days change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.delivery.scheduler import desired_jobs
from bot.messages import Text
from bot.store.blackouts import BlackoutRow
from bot.store.facilitation import CheckInRow
from bot.store.models import MemberRow, OutboxRow, RoundRow
from bot.texts import copy
from tests.conftest import MovableClock, say
from tests.factories import members

BOSS = "boss"


def body(reply: object) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def admin(core: Core, text: str) -> str:
    return body(await core.handle(say(BOSS, text, admin=True)))


async def stored(core: Core) -> list[tuple[date, date]]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(BlackoutRow).order_by(BlackoutRow.first_day))).all()
    return [(r.first_day, r.last_day) for r in rows]


async def rounds(core: Core) -> list[date]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(RoundRow).order_by(RoundRow.number))).all()
    return [r.run_on for r in rows]


async def moved_jobs(core: Core, clock: MovableClock) -> dict[str, datetime]:
    specs = await desired_jobs(core.db, now=clock())
    return {
        spec.id: spec.trigger.run_date.astimezone(UTC) for spec in specs if ":moved:" in spec.id
    }


def at(clock: MovableClock, moment: datetime) -> None:
    clock.now = moment


async def test_a_round_on_a_blackout_day_moves_to_the_day_after_once_and_the_next_runs_as_usual(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 6, teams=3)
    at(clock, datetime(2027, 1, 5, 10, 0, tzinfo=UTC))  # rounds: Tuesdays 10:00 London
    assert "day is now" in await admin(core, "set day tuesday")
    assert (await core.run_job("intros", community)).startswith("round 1")
    reply = await admin(core, "skip 2027-01-12..2027-01-13")
    assert "move to Thursday 14 January 2027" in reply
    assert await moved_jobs(core, clock) == {
        f"intros:{community}:moved:2027-01-14": datetime(2027, 1, 14, 10, 0, tzinfo=UTC)
    }
    at(clock, datetime(2027, 1, 12, 10, 0, tzinfo=UTC))
    assert "moved" in await core.run_job("intros", community)
    assert await rounds(core) == [date(2027, 1, 5)]
    at(clock, datetime(2027, 1, 14, 10, 0, tzinfo=UTC))  # the moved run fires
    assert (await core.run_job("intros", community)).startswith("round 2")
    at(clock, datetime(2027, 1, 19, 10, 0, tzinfo=UTC))  # the usual Tuesday: due, not "too soon"
    assert (await core.run_job("intros", community)).startswith("round 3")
    assert await rounds(core) == [date(2027, 1, 5), date(2027, 1, 14), date(2027, 1, 19)]


async def test_rounds_in_a_long_blackout_make_one_run_and_none_where_the_day_after_is_a_round_day(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 4, teams=2)
    await admin(core, "skip 2027-01-20..2027-02-05")  # Mondays 25 Jan and 1 Feb fall in it
    assert list(await moved_jobs(core, clock)) == [f"intros:{community}:moved:2027-02-06"]
    await admin(core, "skip clear all")
    await admin(core, "skip 2027-01-11..2027-01-24")  # the day after is a Monday anyway
    assert await moved_jobs(core, clock) == {}


async def test_with_set_blackout_skip_a_round_on_a_blackout_day_is_skipped(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 4, teams=2)
    at(clock, datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    assert (await core.run_job("intros", community)).startswith("round 1")
    assert "blackout is now skip" in await admin(core, "set blackout skip")
    assert "are skipped" in await admin(core, "skip 2027-01-11")
    assert await moved_jobs(core, clock) == {}
    at(clock, datetime(2027, 1, 11, 10, 0, tzinfo=UTC))
    assert "skipped" in await core.run_job("intros", community)
    at(clock, datetime(2027, 1, 18, 10, 0, tzinfo=UTC))
    assert (await core.run_job("intros", community)).startswith("round 2")
    assert await rounds(core) == [date(2027, 1, 4), date(2027, 1, 18)]


async def test_a_check_in_on_a_blackout_day_moves_to_the_day_after(
    core: Core, community: int, clock: MovableClock
) -> None:
    await members(core, 4, teams=2)
    assert "Scheduled" in await admin(core, 'checkin schedule "How are you?" every friday 15:00')
    await admin(core, "skip 2027-01-08")
    assert list(await moved_jobs(core, clock)) == ["schedule:1:moved:2027-01-09"]
    at(clock, datetime(2027, 1, 8, 15, 0, tzinfo=UTC))
    assert "moved" in await core.run_job("schedule", 1)
    at(clock, datetime(2027, 1, 9, 15, 0, tzinfo=UTC))
    assert (await core.run_job("schedule", 1)).startswith("check-in ")
    at(clock, datetime(2027, 1, 15, 15, 0, tzinfo=UTC))  # the next Friday is due
    assert (await core.run_job("schedule", 1)).startswith("check-in ")
    async with core.db.session() as session:
        assert len((await session.scalars(select(CheckInRow))).all()) == 2


async def test_skip_list_shows_the_days_ahead_and_clear_takes_some_or_all_away(
    core: Core, community: int
) -> None:
    assert await admin(core, "skip list") == copy("skip.none")
    await admin(core, "skip 2027-12-21..2028-01-03")
    await admin(core, "skip 2027-12-30..2028-01-05")  # overlaps: kept as one
    await admin(core, "skip 2027-03-01")
    assert await stored(core) == [
        (date(2027, 3, 1), date(2027, 3, 1)),
        (date(2027, 12, 21), date(2028, 1, 5)),
    ]
    listed = await admin(core, "skip list")
    assert "2 blackouts ahead" in listed and "Tuesday 21 December 2027 to" in listed
    assert "already" in await admin(core, "skip 2027-12-24")
    await admin(core, "skip clear 2028-01-01..")
    assert await stored(core) == [
        (date(2027, 3, 1), date(2027, 3, 1)),
        (date(2027, 12, 21), date(2027, 12, 31)),
    ]
    await admin(core, "skip clear 2027-12-25")
    assert (date(2027, 12, 26), date(2027, 12, 31)) in await stored(core)
    assert await admin(core, "skip clear 2029-01-01") == copy("skip.nothing_to_clear")
    await admin(core, "skip clear all")
    assert await stored(core) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("skip 2027-02-30", "not a date"),
        ("skip 2027-13-01..2027-13-02", "not a date"),
        ("skip 27-12-21", "not a date"),
        ("skip 2027-12-21..2027-12-01", "say the earlier day first"),
        ("skip 2027-01-01..2028-01-02", "a year at most"),
        ("skip 2026-12-21..2027-01-05", "has passed"),
        ("skip 2027-12-21..", "say the last day too"),
        ("skip", "say which days"),
        ("skip 2027-12-21 2027-12-22", "one range"),
        ("skip clear", "say which days to clear"),
        ("set blackout sometimes", "not move or skip"),
    ],
)
async def test_bad_days_reversed_ranges_ranges_over_a_year_and_past_days_change_nothing(
    core: Core, community: int, text: str, problem: str
) -> None:
    await admin(core, "skip 2027-03-01")
    reply = await admin(core, text)
    assert problem in reply and "Usage:" in reply
    assert await stored(core) == [(date(2027, 3, 1), date(2027, 3, 1))]


async def test_a_member_may_not_add_blackout_days(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    reply = body(await core.handle(say(ids[0], "skip 2027-03-01")))
    assert reply == copy("error.role", first_name="U000", command="skip", role="admin")
    assert await stored(core) == []


async def reminders(core: Core) -> list[tuple[str, datetime | None]]:
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "reminder").order_by(OutboxRow.id)
            )
        ).all()
    return [(r.people[0], r.next_attempt_at) for r in rows]


async def open_checkin(core: Core, clock: MovableClock, window: str) -> None:
    await members(core, 2, teams=2)
    text = f'checkin schedule "How are you?" every friday 15:00 window {window}'
    assert "Scheduled" in await admin(core, text)
    at(clock, datetime(2027, 1, 8, 15, 0, tzinfo=UTC))  # Friday; London is on UTC in January
    assert (await core.run_job("schedule", 1)).startswith("check-in ")


async def test_a_reminder_on_a_blackout_day_moves_to_the_same_time_the_day_after(
    core: Core, community: int, clock: MovableClock
) -> None:
    await open_checkin(core, clock, "4 days")  # reminders due Sunday 10 January 15:00
    await admin(core, "skip 2027-01-10")
    at(clock, datetime(2027, 1, 10, 15, 0, tzinfo=UTC))
    assert (await core.run_job("sweep", community)).startswith("0 reminders")
    at(clock, datetime(2027, 1, 11, 14, 55, tzinfo=UTC))  # queued ahead, held until 15:00
    assert (await core.run_job("sweep", community)).startswith("2 reminders")
    monday = datetime(2027, 1, 11, 15, 0)
    assert [when.replace(tzinfo=None) for _, when in await reminders(core) if when] == [monday] * 2
    assert (await core.run_job("sweep", community)).startswith("0 reminders")


async def test_a_reminder_moved_past_the_close_or_with_blackout_skip_is_not_sent(
    core: Core, community: int, clock: MovableClock
) -> None:
    await open_checkin(core, clock, "2 days")  # reminders Saturday 15:00, closing Sunday 15:00
    await admin(core, "skip 2027-01-09")  # the day after is the closing time: too late
    for day in (9, 10):
        at(clock, datetime(2027, 1, day, 15, 0, tzinfo=UTC))
        assert (await core.run_job("sweep", community)).startswith("0 reminders")
    assert await reminders(core) == []


async def test_with_blackout_skip_a_reminder_on_a_blackout_day_is_not_sent(
    core: Core, community: int, clock: MovableClock
) -> None:
    await open_checkin(core, clock, "4 days")
    assert "blackout is now skip" in await admin(core, "set blackout skip")
    await admin(core, "skip 2027-01-10")
    for day in (10, 11, 12):
        at(clock, datetime(2027, 1, day, 15, 0, tzinfo=UTC))
        assert (await core.run_job("sweep", community)).startswith("0 reminders")
    assert await reminders(core) == []


async def test_a_reminder_follows_the_members_own_day_not_the_communitys(
    core: Core, community: int, clock: MovableClock
) -> None:
    await open_checkin(core, clock, "4 days")
    async with core.db.session() as session, session.begin():
        for member in (await session.scalars(select(MemberRow))).all():
            member.timezone = "Pacific/Auckland"  # 13 hours ahead: asked Saturday 04:00 there
    await admin(core, "skip 2027-01-10")  # reminders are due Monday 04:00 in Auckland
    at(clock, datetime(2027, 1, 10, 15, 0, tzinfo=UTC))  # Monday 04:00 in Auckland
    assert (await core.run_job("sweep", community)).startswith("2 reminders")
