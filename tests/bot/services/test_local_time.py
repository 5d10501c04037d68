"""Check-ins by direct message reach each member at the schedule's time in their own zone: a
check-in every Friday at 15:00 reaches Tokyo, Berlin and Los Angeles each at their own 15:00,
once, and still at 15:00 in a week when the clocks change; and each one's reminder comes half
the window after their own, at their own local time too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core import Core
from bot.delivery.scheduler import SWEEP_MINUTES, desired_jobs
from bot.events import Actor, FormSubmitted, MemberJoined
from bot.messages import Text
from bot.services.checkins import REMIND_AHEAD
from bot.services.local_time import due_at, earliest_zone, schedule_day
from bot.store.facilitation import CheckInRow
from bot.store.models import OutboxRow
from tests.conftest import WHERE, MovableClock, say
from tests.recording import RecordingChat

ZONES = {"tokyo": "Asia/Tokyo", "berlin": "Europe/Berlin", "la": "America/Los_Angeles"}


async def three_zones(core: Core) -> None:
    for pid, zone in ZONES.items():
        team = f"Acme/Dept/{pid.capitalize()}"
        await core.handle(MemberJoined(WHERE, Actor(pid, pid.capitalize()), team))
        reply = await core.handle(say(pid, f"timezone {zone}"))
        assert isinstance(reply, Text) and zone in reply.body
    reply = await core.handle(
        say("boss", 'checkin schedule "How are you?" every friday 15:00', admin=True)
    )
    assert isinstance(reply, Text) and "Scheduled" in reply.body


async def sent_to(core: Core, clock: MovableClock, moment: datetime) -> list[str]:
    """Whom the sender reaches when it drains at ``moment`` (a fresh chat: a second send of one
    message would show)."""
    clock.now = moment
    chat = RecordingChat()
    await core.sender(chat).drain(max_wait=0.0)
    return sorted(call.conversation.removeprefix("G-") for call in chat.sends())


async def test_a_check_in_reaches_each_of_three_zones_at_its_own_local_time_once(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)
    jobs = {spec.id: spec for spec in await desired_jobs(core.db, now=clock())}
    assert "Asia/Tokyo" in jobs["schedule:1"].signature  # fires when Tokyo reaches 15:00
    tokyo_15 = datetime(2027, 1, 8, 6, 0, tzinfo=UTC)  # Friday 15:00 in Tokyo
    clock.now = tokyo_15
    assert (await core.run_job("schedule", 1)).startswith("check-in 1")
    assert (await core.run_job("schedule", 1)) == "schedule 1 is not due"
    assert await sent_to(core, clock, tokyo_15) == ["tokyo"]
    assert await sent_to(core, clock, datetime(2027, 1, 8, 13, 59, tzinfo=UTC)) == []
    assert await sent_to(core, clock, datetime(2027, 1, 8, 14, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 1, 8, 22, 59, tzinfo=UTC)) == []
    assert await sent_to(core, clock, datetime(2027, 1, 8, 23, 0, tzinfo=UTC)) == ["la"]
    assert await sent_to(core, clock, datetime(2027, 1, 9, 12, 0, tzinfo=UTC)) == []
    async with core.db.session() as session:
        checkin = await session.scalar(select(CheckInRow))
    assert checkin is not None  # the window counts from the last one asked
    assert checkin.closes_at.replace(tzinfo=UTC) == datetime(2027, 1, 10, 23, 0, tzinfo=UTC)


async def test_a_check_in_opened_at_tokyos_time_is_queued_for_the_others_later_that_day(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)
    clock.now = datetime(2027, 1, 15, 6, 0, tzinfo=UTC)  # the job fires at Tokyo's Friday 15:00
    assert (await core.run_job("schedule", 1)).startswith("check-in")
    assert await sent_to(core, clock, clock.now) == ["tokyo"]
    assert await sent_to(core, clock, datetime(2027, 1, 15, 14, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 1, 15, 23, 0, tzinfo=UTC)) == ["la"]


def test_the_local_time_stays_15_00_across_a_daylight_saving_week() -> None:
    # Europe changes on Sunday 28 March 2027, the United States on Sunday 14 March 2027.
    before, after = schedule_day(4, datetime(2027, 3, 26, 6, 0, tzinfo=UTC), "Asia/Tokyo"), None
    after = schedule_day(4, datetime(2027, 4, 2, 6, 0, tzinfo=UTC), "Asia/Tokyo")
    assert (before.isoformat(), after.isoformat()) == ("2027-03-26", "2027-04-02")
    assert due_at(before, "15:00", "Europe/Berlin") == datetime(2027, 3, 26, 14, 0, tzinfo=UTC)
    assert due_at(after, "15:00", "Europe/Berlin") == datetime(2027, 4, 2, 13, 0, tzinfo=UTC)
    assert due_at(before, "15:00", "America/Los_Angeles") == datetime(
        2027, 3, 26, 22, 0, tzinfo=UTC
    )
    winter = schedule_day(4, datetime(2027, 3, 5, 6, 0, tzinfo=UTC), "Asia/Tokyo")
    assert due_at(winter, "15:00", "America/Los_Angeles") == datetime(2027, 3, 5, 23, 0, tzinfo=UTC)


async def test_in_a_daylight_saving_week_berlin_is_asked_at_15_00_summer_time(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)
    clock.now = datetime(2027, 4, 2, 6, 0, tzinfo=UTC)  # Friday after Europe's change
    assert (await core.run_job("schedule", 1)).startswith("check-in")
    assert await sent_to(core, clock, clock.now) == ["tokyo"]
    assert await sent_to(core, clock, datetime(2027, 4, 2, 12, 59, tzinfo=UTC)) == []
    assert await sent_to(core, clock, datetime(2027, 4, 2, 13, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 4, 2, 22, 0, tzinfo=UTC)) == ["la"]


def test_the_job_fires_in_the_zone_furthest_ahead() -> None:
    now = datetime(2027, 1, 8, 0, 0, tzinfo=UTC)
    assert earliest_zone(ZONES.values(), "Europe/London", now) == "Asia/Tokyo"
    assert earliest_zone(["America/Los_Angeles"], "Europe/London", now) == "Europe/London"


async def sent_keys(core: Core, clock: MovableClock, moment: datetime) -> list[str]:
    """The keys of what the sender sends when it drains at ``moment``, as "kind:who"."""
    clock.now = moment
    chat = RecordingChat()
    await core.sender(chat).drain(max_wait=0.0)
    return sorted(
        f"{call.key.split(':')[0]}:{call.conversation.removeprefix('G-')}" for call in chat.sends()
    )


async def sweep_at(core: Core, clock: MovableClock, community: int, moment: datetime) -> str:
    clock.now = moment
    return await core.run_job("sweep", community)


async def test_each_zone_is_reminded_half_the_window_after_its_own_check_in_once(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)  # every Friday 15:00, a window of 2 days: reminders a day later
    clock.now = datetime(2027, 1, 8, 6, 0, tzinfo=UTC)  # Tokyo's Friday 15:00
    assert (await core.run_job("schedule", 1)).startswith("check-in 1")
    assert await sent_keys(core, clock, clock.now) == ["checkin:tokyo"]
    assert await sent_keys(core, clock, datetime(2027, 1, 8, 14, 0, tzinfo=UTC)) == [
        "checkin:berlin"
    ]
    assert await sent_keys(core, clock, datetime(2027, 1, 8, 23, 0, tzinfo=UTC)) == ["checkin:la"]
    # Tokyo's Saturday 15:00 is 06:00 UTC: a sweep ten minutes before queues it, held till then.
    saturday = datetime(2027, 1, 9, tzinfo=UTC)
    assert (await sweep_at(core, clock, community, saturday.replace(hour=5, minute=49))).startswith(
        "0 reminders"
    )
    assert (await sweep_at(core, clock, community, saturday.replace(hour=5, minute=55))).startswith(
        "1 reminder,"
    )
    assert await sent_keys(core, clock, saturday.replace(hour=5, minute=59)) == []
    assert await sent_keys(core, clock, saturday.replace(hour=6)) == ["reminder:tokyo"]
    assert (await sweep_at(core, clock, community, saturday.replace(hour=6))).startswith(
        "0 reminders"
    )
    # Berlin's at 14:00 UTC (15:00 there), Los Angeles's at 23:00 UTC (15:00 there).
    assert (
        await sweep_at(core, clock, community, saturday.replace(hour=13, minute=51))
    ).startswith("1 reminder,")
    assert await sent_keys(core, clock, saturday.replace(hour=13, minute=59)) == []
    assert await sent_keys(core, clock, saturday.replace(hour=14)) == ["reminder:berlin"]
    assert await sent_keys(core, clock, saturday.replace(hour=22, minute=59)) == []
    assert (
        await sweep_at(core, clock, community, saturday.replace(hour=22, minute=52))
    ).startswith("1 reminder,")
    assert await sent_keys(core, clock, saturday.replace(hour=23)) == ["reminder:la"]
    assert (
        await sweep_at(core, clock, community, saturday.replace(hour=23, minute=30))
    ).startswith("0 reminders")
    assert await sent_keys(core, clock, datetime(2027, 1, 10, 12, 0, tzinfo=UTC)) == []
    async with core.db.session() as session:
        checkin = await session.scalar(select(CheckInRow))
        reminders = (
            await session.scalars(select(OutboxRow).where(OutboxRow.kind == "reminder"))
        ).all()
    assert checkin is not None and checkin.reminded  # nobody's is still to come
    assert sorted(r.people[0] for r in reminders) == ["berlin", "la", "tokyo"]


async def test_a_member_who_answered_before_their_own_reminder_time_gets_none(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)
    clock.now = datetime(2027, 1, 8, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", 1)).startswith("check-in 1")
    await sent_keys(core, clock, datetime(2027, 1, 8, 23, 0, tzinfo=UTC))
    clock.now = datetime(2027, 1, 9, 7, 0, tzinfo=UTC)  # after Tokyo's reminder, before LA's
    assert (await core.run_job("sweep", community)).startswith("1 reminder,")
    answered = await core.handle(
        FormSubmitted(WHERE, Actor("la", "La"), "checkin:1", (("q0", "Busy week."),))
    )
    assert isinstance(answered, Text) and "Thank" in answered.body
    assert (await sweep_at(core, clock, community, datetime(2027, 1, 9, 14, 0, tzinfo=UTC))) == (
        "1 reminder, 0 check-ins closed"
    )
    assert (await sweep_at(core, clock, community, datetime(2027, 1, 9, 23, 0, tzinfo=UTC))) == (
        "0 reminders, 0 check-ins closed"
    )
    assert await sent_keys(core, clock, datetime(2027, 1, 9, 23, 0, tzinfo=UTC)) == [
        "reminder:berlin",
        "reminder:tokyo",
    ]


async def test_in_the_week_europe_changes_its_clocks_berlin_is_reminded_at_15_00_summer_time(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)
    reply = await core.handle(
        say("boss", 'checkin schedule "And at the weekend?" every saturday 15:00', admin=True)
    )
    assert isinstance(reply, Text) and "Scheduled" in reply.body
    # Saturday 27 March 2027, 15:00 in Tokyo; Europe's clocks go forward that night.
    clock.now = datetime(2027, 3, 27, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", 2)).startswith("check-in 1")
    assert await sent_keys(core, clock, clock.now) == ["checkin:tokyo"]
    assert await sent_keys(core, clock, datetime(2027, 3, 27, 14, 0, tzinfo=UTC)) == [
        "checkin:berlin"  # 15:00 CET
    ]
    assert await sent_keys(core, clock, datetime(2027, 3, 27, 22, 0, tzinfo=UTC)) == [
        "checkin:la"  # 15:00 PDT
    ]
    sunday = datetime(2027, 3, 28, tzinfo=UTC)
    await sweep_at(core, clock, community, sunday.replace(hour=6))
    assert await sent_keys(core, clock, sunday.replace(hour=6)) == ["reminder:tokyo"]
    await sweep_at(core, clock, community, sunday.replace(hour=12, minute=55))
    assert await sent_keys(core, clock, sunday.replace(hour=12, minute=59)) == []
    assert await sent_keys(core, clock, sunday.replace(hour=13)) == [
        "reminder:berlin"
    ]  # 15:00 CEST
    await sweep_at(core, clock, community, sunday.replace(hour=21, minute=55))
    assert await sent_keys(core, clock, sunday.replace(hour=21, minute=59)) == []
    assert await sent_keys(core, clock, sunday.replace(hour=22)) == ["reminder:la"]


def test_a_sweep_queues_reminders_as_far_ahead_as_sweeps_come() -> None:
    assert REMIND_AHEAD == timedelta(minutes=SWEEP_MINUTES)


async def once_in_four_zones(core: Core, when: str) -> None:
    """Tokyo, Berlin, Los Angeles, and a member who set no zone (the community's, London)."""
    await three_zones(core)
    await core.handle(MemberJoined(WHERE, Actor("london", "London"), "Acme/Dept/London"))
    reply = await core.handle(say("boss", f'checkin schedule "Just once?" {when}', admin=True))
    assert isinstance(reply, Text) and "Scheduled" in reply.body


async def test_a_once_check_in_reaches_each_zone_at_15_00_on_its_date_and_no_zone_at_londons(
    core: Core, community: int, clock: MovableClock
) -> None:
    await once_in_four_zones(core, "once 2027-01-15 15:00")
    jobs = {spec.id: spec for spec in await desired_jobs(core.db, now=clock())}
    assert "2027-01-15 06:00:00" in jobs["schedule:2"].signature  # Tokyo's 15:00 fires it
    clock.now = datetime(2027, 1, 15, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", 2)).startswith("check-in 1")
    assert (await core.run_job("schedule", 2)) == "schedule 2 ran once already"
    assert await sent_to(core, clock, clock.now) == ["tokyo"]
    assert await sent_to(core, clock, datetime(2027, 1, 15, 13, 59, tzinfo=UTC)) == []
    assert await sent_to(core, clock, datetime(2027, 1, 15, 14, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 1, 15, 15, 0, tzinfo=UTC)) == ["london"]
    assert await sent_to(core, clock, datetime(2027, 1, 15, 22, 59, tzinfo=UTC)) == []
    assert await sent_to(core, clock, datetime(2027, 1, 15, 23, 0, tzinfo=UTC)) == ["la"]
    jobs = {spec.id: spec for spec in await desired_jobs(core.db, now=clock())}
    assert "schedule:2" not in jobs  # its one run is spent


async def test_a_once_check_in_on_the_sunday_europe_changes_its_clocks_is_at_15_00_summer_time(
    core: Core, community: int, clock: MovableClock
) -> None:
    await once_in_four_zones(core, "once 2027-03-28 15:00")
    clock.now = datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # after Tokyo's 15:00, the job not run
    jobs = {spec.id: spec for spec in await desired_jobs(core.db, now=clock())}
    assert "2027-03-28 13:00:00" in jobs["schedule:2"].signature  # Berlin's 15:00 CEST is next
    assert (await core.run_job("schedule", 2)).startswith("check-in 1")
    assert await sent_to(core, clock, clock.now) == ["tokyo"]  # late, once
    assert await sent_to(core, clock, datetime(2027, 3, 28, 12, 59, tzinfo=UTC)) == []
    assert await sent_to(core, clock, datetime(2027, 3, 28, 13, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 3, 28, 14, 0, tzinfo=UTC)) == ["london"]
    assert await sent_to(core, clock, datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == ["la"]


async def test_a_once_check_in_on_a_blackout_day_moves_to_15_00_on_the_day_after_in_each_zone(
    core: Core, community: int, clock: MovableClock
) -> None:
    await once_in_four_zones(core, "once 2027-01-15 15:00")
    assert "Saturday 16 January 2027" in body_of(
        await core.handle(say("boss", "skip 2027-01-15", admin=True))
    )
    jobs = {spec.id: spec for spec in await desired_jobs(core.db, now=clock())}
    assert "2027-01-16 06:00:00" in jobs["schedule:2"].signature
    clock.now = datetime(2027, 1, 16, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", 2)).startswith("check-in 1")
    assert await sent_to(core, clock, clock.now) == ["tokyo"]
    assert await sent_to(core, clock, datetime(2027, 1, 16, 14, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 1, 16, 15, 0, tzinfo=UTC)) == ["london"]
    assert await sent_to(core, clock, datetime(2027, 1, 16, 23, 0, tzinfo=UTC)) == ["la"]


async def test_a_once_check_in_on_a_blackout_day_is_skipped_where_blackouts_skip(
    core: Core, community: int, clock: MovableClock
) -> None:
    await once_in_four_zones(core, "once 2027-01-15 15:00")
    await core.handle(say("boss", "set blackout skip", admin=True))
    await core.handle(say("boss", "skip 2027-01-15", admin=True))
    clock.now = datetime(2027, 1, 15, 6, 0, tzinfo=UTC)  # Tokyo's 15:00; London's day too
    assert "skipped" in await core.run_job("schedule", 2)
    assert (await core.run_job("schedule", 2)) == "schedule 2 ran once already"
    assert await sent_to(core, clock, datetime(2027, 1, 16, 0, 0, tzinfo=UTC)) == []


async def test_a_weekly_check_in_moved_past_a_blackout_reaches_each_zone_at_15_00_the_day_after(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)  # every Friday 15:00
    await core.handle(say("boss", "skip 2027-01-08", admin=True))
    jobs = {spec.id: spec for spec in await desired_jobs(core.db, now=clock())}
    moved = jobs["schedule:1:moved:2027-01-09"]
    assert "2027-01-09 15:00:00 JST" in moved.signature  # Tokyo's Saturday 15:00
    clock.now = datetime(2027, 1, 8, 6, 0, tzinfo=UTC)  # the usual Friday, a blackout day
    assert "moved" in await core.run_job("schedule", 1)
    assert await sent_to(core, clock, datetime(2027, 1, 9, 0, 0, tzinfo=UTC)) == []
    clock.now = datetime(2027, 1, 9, 6, 0, tzinfo=UTC)
    assert (await core.run_job("schedule", 1)).startswith("check-in 1")
    assert await sent_to(core, clock, clock.now) == ["tokyo"]
    assert await sent_to(core, clock, datetime(2027, 1, 9, 14, 0, tzinfo=UTC)) == ["berlin"]
    assert await sent_to(core, clock, datetime(2027, 1, 9, 23, 0, tzinfo=UTC)) == ["la"]


def body_of(reply: object) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def test_a_once_check_in_has_passed_only_when_it_has_in_every_members_zone(
    core: Core, community: int, clock: MovableClock
) -> None:
    await three_zones(core)
    clock.now = datetime(2027, 1, 15, 16, 0, tzinfo=UTC)  # 15:00 has passed in London and Tokyo

    async def schedule(what: str) -> str:
        command = say("boss", what, admin=True)
        reply = await core.handle(replace(command, channels=frozenset({"coffee"})))
        assert isinstance(reply, Text)
        return reply.body

    checkin = await schedule('checkin schedule "How are you?" once 2027-01-15 15:00')
    assert "Scheduled check-in" in checkin  # Los Angeles is still to reach it
    assert "15:00 each member's local time (Europe/London where unknown)" in checkin
    prompt = await schedule('prompt schedule "Hi" once 2027-01-15 15:00 #coffee')
    assert "15:00 Europe/London has passed" in prompt  # a prompt posts at the community's time
    clock.now = datetime(2027, 1, 15, 23, 0, tzinfo=UTC)  # 15:00 in Los Angeles too
    late = await schedule('checkin schedule "How are you?" once 2027-01-15 15:00')
    assert "15:00 Europe/London has passed in every member's time zone" in late
    assert "each member's own time" in late
