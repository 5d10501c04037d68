"""A time to meet, through the core: the intro's times, each member's "This works", the group
told once with an invite, and no time where no hours overlap."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from adapters.console import ConsoleChat
from adapters.console.render import render as console_render
from bot.clock import as_utc
from bot.core import Core
from bot.delivery.codec import decode
from bot.events import ButtonPressed
from bot.messages import Intro, Invite, Message, Text
from bot.store.models import GroupRow, OutboxRow
from tests.bot.test_ics import unfolded
from tests.conftest import WHERE, MovableClock, person, say
from tests.factories import members

ZONES = {"u000": "Europe/London", "u001": "America/New_York"}


def body(reply: Message | None) -> str:
    assert isinstance(reply, Text), reply
    return reply.body


async def pair_in(core: Core, community: int, zones: dict[str, str]) -> Intro:
    """Two members in ``zones``, one round; the intro it queued."""
    ids = await members(core, len(zones), teams=len(zones))
    for pid, zone in zip(ids, zones.values(), strict=True):
        await core.handle(say(pid, f"timezone {zone}"))
    await core.run_round(community)
    return await intro_of(core)


async def intro_of(core: Core) -> Intro:
    async with core.db.session() as session:
        row = await session.scalar(select(OutboxRow).where(OutboxRow.kind == "intro"))
    assert row is not None
    intro = decode(row.payload)
    assert isinstance(intro, Intro)
    return intro


async def invites(core: Core) -> list[Invite]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "slots"))).all()
    found = [decode(row.payload) for row in rows]
    assert all(isinstance(i, Invite) for i in found)
    return [i for i in found if isinstance(i, Invite)]


def tap(pid: str, value: str) -> ButtonPressed:
    return ButtonPressed(WHERE, person(pid), "slot", value)


async def test_the_intro_offers_three_times_inside_both_members_hours_each_in_their_own_time(
    core: Core, community: int, clock: MovableClock
) -> None:
    intro = await pair_in(core, community, ZONES)
    assert len(intro.times) == 3
    london, new_york = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
    for offered in intro.times:
        here, there = offered.starts_at.astimezone(london), offered.starts_at.astimezone(new_york)
        assert time(9) <= here.time() and (here + timedelta(minutes=30)).time() <= time(17)
        assert time(9) <= there.time() and (there + timedelta(minutes=30)).time() <= time(17)
        assert offered.starts_at > clock() and offered.starts_at < clock() + timedelta(days=7)
        assert offered.for_each == (
            f"{here:%a %H:%M} for Ada, {there:%H:%M} for Grace"
        )  # the same day in both
        assert offered.button.action == "slot"
    shown = console_render(intro)
    group = intro.times[0].button.value.split(":")[0]
    assert f"1. {intro.times[0].for_each} [This works → slot {group}:0]" in shown
    assert "[We met → outcome" in shown.splitlines()[-1]


async def test_own_hours_move_the_times(core: Core, community: int) -> None:
    ids = await members(core, 2, teams=2)
    await core.handle(say(ids[0], "timezone Europe/London"))
    await core.handle(say(ids[1], "timezone Europe/London"))
    await core.handle(say(ids[0], "hours 07:00-09:30"))
    await core.run_round(community)
    intro = await intro_of(core)
    assert intro.times, "09:00–09:30 is shared"
    assert {t.starts_at.astimezone(ZoneInfo("Europe/London")).time() for t in intro.times} == {
        time(9)
    }


async def test_where_no_hours_overlap_the_intro_says_so_and_suggests_an_async_exchange(
    core: Core, community: int
) -> None:
    intro = await pair_in(core, community, {"a": "Pacific/Auckland", "b": "Europe/London"})
    assert intro.times == ()
    assert "async exchange" in intro.times_note
    assert "async exchange" in console_render(intro)


async def test_in_the_dst_week_times_stay_inside_each_members_hours(
    core: Core, community: int, clock: MovableClock
) -> None:
    clock.now = datetime(2026, 3, 26, 9, tzinfo=UTC)  # London changes clocks on the 29th
    intro = await pair_in(core, community, ZONES)
    assert intro.times
    for offered in intro.times:
        for zone in ZONES.values():
            local = offered.starts_at.astimezone(ZoneInfo(zone))
            assert time(9) <= local.time() <= time(16, 30) and local.weekday() < 5


async def test_when_both_tap_the_same_time_the_group_is_told_once_with_an_invite(
    core: Core, community: int
) -> None:
    intro = await pair_in(core, community, ZONES)
    chosen = intro.times[1]
    first = body(await core.handle(tap("u000", chosen.button.value)))
    assert "Waiting for Grace" in first
    assert await invites(core) == []
    other = intro.times[0].button.value
    assert "Waiting for Ada" in body(await core.handle(tap("u001", other)))  # not the same one
    assert await invites(core) == []
    done = body(await core.handle(tap("u001", chosen.button.value)))
    assert "That's everyone, Grace" in done
    [invite] = await invites(core)
    assert chosen.for_each in invite.body and "Ada and Grace" in invite.body
    lines = unfolded(invite.ics)
    stamp = chosen.starts_at.astimezone(UTC)
    assert f"DTSTART:{stamp:%Y%m%dT%H%M%SZ}" in lines
    assert f"DTEND:{stamp + timedelta(minutes=30):%Y%m%dT%H%M%SZ}" in lines
    assert "SUMMARY:Ada and Grace meet (Bridgework)" in lines
    async with core.db.session() as session:
        group = await session.scalar(select(GroupRow))
    assert group is not None and group.agreed_at is not None
    assert as_utc(group.agreed_at) == chosen.starts_at


async def test_repeated_and_late_taps_change_nothing_and_send_nothing_twice(
    core: Core, community: int
) -> None:
    intro = await pair_in(core, community, ZONES)
    value = intro.times[0].button.value
    await core.handle(tap("u000", value))
    await core.handle(tap("u000", value))  # a double tap
    await core.handle(tap("u001", value))
    again = body(await core.handle(tap("u001", value)))
    assert "already agreed" in again
    assert "already agreed" in body(await core.handle(tap("u000", intro.times[2].button.value)))
    assert len(await invites(core)) == 1
    await core.sender(ConsoleChat(None)).drain(community_id=community, max_wait=5)
    await core.handle(tap("u000", value))
    async with core.db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == "slots")
        )
    assert count == 1


async def test_a_tap_on_a_time_gone_by_or_of_someone_outside_the_group_records_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    intro = await pair_in(core, community, ZONES)
    value = intro.times[0].button.value
    group = value.split(":")[0]
    assert "weren't in introduction" in body(await core.handle(tap("stranger", value)))
    assert "not one of your group's times" in body(await core.handle(tap("u000", f"{group}:7")))
    assert "not one of your group's times" in body(await core.handle(tap("u000", "x:y")))
    await core.handle(tap("u000", value))
    clock.now = intro.times[0].starts_at + timedelta(minutes=1)
    assert "has passed" in body(await core.handle(tap("u001", value)))
    assert await invites(core) == []


async def test_the_group_conversation_gets_the_invite_on_the_console(
    core: Core, community: int
) -> None:
    intro = await pair_in(core, community, ZONES)
    chat = ConsoleChat(None)
    sender = core.sender(chat)
    await sender.drain(community_id=community, max_wait=5)
    for pid in ZONES:
        await core.handle(tap(pid, intro.times[0].button.value))
    await sender.drain(community_id=community, max_wait=5)
    shared = [d.message for d in chat.transcript if isinstance(d.message, Invite)]
    assert len(shared) == 1
    assert shared[0].filename.endswith(".ics") and "BEGIN:VEVENT" in shared[0].ics
