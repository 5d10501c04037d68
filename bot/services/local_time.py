"""Check-ins by direct message go out at each member's own local time: a check-in every Friday
at 15:00 reaches Tokyo, Berlin and Los Angeles each at 15:00 on their own Friday; one ``once
2026-12-18 15:00`` each at 15:00 on 18 December in their own zone (a member with none: the
community's). A day in a blackout moves (or skips) the run as the community's calendar says, and
a moved run asks each member at the usual time on the day after, in their own zone. Listening
prompts post to channels only, at the community's time.

The schedule's job fires at that time in the zone of its members furthest ahead of UTC (see
``earliest_zone``); each member's message is queued with ``next_attempt_at`` at the time in their
own stored zone on the schedule's day, and the sender holds it until then. The time is computed in
each zone for that very day, so it stays 15:00 across daylight-saving changes; each message has
its own key, so it is sent once however often the job or the sender runs. Each member's reminder
comes half the window after their own time, as their clocks count it (a 2-day window: Saturday
15:00 wherever they are), queued by the sweep and held until then like the check-in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.calendar import local_date
from bot.services import blackouts
from bot.services.blackouts import Days
from bot.services.context import Context
from bot.store.facilitation import ScheduleRow
from bot.store.models import MemberRow


def schedule_day(weekday: int, now: datetime, timezone: str) -> date:
    """The day a weekly run on ``weekday`` firing around ``now`` is for: the nearest such day
    to ``now``'s date in the schedule's zone (a run fired early, in a zone ahead, is for the
    coming one)."""
    today = local_date(now, timezone)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead <= 3 else ahead - 7)


def once_day(once_at: datetime, timezone: str) -> date:
    """The day a once schedule names (``once 2026-12-18 15:00``), in the zone it was set in."""
    return local_date(once_at, timezone)


def run_day(
    once_at: datetime | None,
    weekday: int,
    timezone: str,
    now: datetime,
    ahead: str,
    moving: Sequence[Days] = (),
) -> date:
    """The day a check-in schedule's run around ``now`` asks its members on, each at its time in
    their own zone: a once schedule's own day, a weekly one's nearest ``weekday``. Where that
    day falls in a blackout whose runs move (``moving``), the day after it: a once schedule's
    run is then that one, and a weekly one's is once that day has come in ``ahead``, the zone
    furthest ahead (until then the run is the usual day's, which the blackout holds)."""
    day = (
        once_day(once_at, timezone) if once_at is not None else schedule_day(weekday, now, timezone)
    )
    blackout = blackouts.covering(moving, day)
    if blackout is None:
        return day
    after = blackout[1] + timedelta(days=1)
    return after if once_at is not None or local_date(now, ahead) >= after else day


async def zones(ctx: Context) -> set[str]:
    """The time zones of the community's active members."""
    found = await ctx.session.scalars(
        select(MemberRow.timezone)
        .where(MemberRow.community_id == ctx.community.id, MemberRow.status == "active")
        .distinct()
    )
    return {zone for zone in found.all() if zone}


async def checkin_day(ctx: Context, row: ScheduleRow) -> date:
    """:func:`run_day` for ``row`` now, from the community's members and blackouts."""
    now = ctx.clock()
    moving: list[Days] = []
    if ctx.community.blackout_mode == blackouts.MOVE:
        moving = await blackouts.ranges(ctx.session, ctx.community.id)
    ahead = earliest_zone(await zones(ctx), row.timezone, now)
    return run_day(row.once_at, row.weekday, row.timezone, now, ahead, moving)


def first_due(day: date, local_time: str, zones: Iterable[str], now: datetime) -> datetime:
    """When a run for ``day`` fires: the first of ``local_time`` on that day in ``zones`` still
    ahead of ``now`` (the last, where all have passed)."""
    moments = sorted({due_at(day, local_time, zone) for zone in _known(zones)})
    return next((moment for moment in moments if moment > now), moments[-1])


def last_due(day: date, local_time: str, zones: Iterable[str]) -> datetime:
    """The last moment ``local_time`` on ``day`` comes in any of ``zones`` (those this machine
    knows; UTC's where it knows none)."""
    return max(due_at(day, local_time, zone) for zone in _known(zones) or ["UTC"])


def _known(zones: Iterable[str]) -> list[str]:
    known = []
    for zone in zones:
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError, OSError):
            continue
        known.append(zone)
    return known


def due_at(day: date, local_time: str, timezone: str) -> datetime:
    """``local_time`` on ``day`` in ``timezone``, as a UTC moment."""
    hour, minute = (int(part) for part in local_time.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def wall_clock_after(moment: datetime, delta: timedelta, timezone: str) -> datetime:
    """``delta`` after ``moment`` as the clocks of ``timezone`` count it (a day after Saturday
    15:00 is Sunday 15:00 there, whether or not the clocks changed overnight), as UTC."""
    return (moment.astimezone(ZoneInfo(timezone)) + delta).astimezone(UTC)


def earliest_zone(zones: Iterable[str], own: str, now: datetime) -> str:
    """Of ``own`` and the members' ``zones``, the one furthest ahead of UTC at ``now`` (``own``
    where it ties): the zone whose clock reaches a local time first."""
    best, offset = own, _offset(own, now)
    for zone in sorted(set(zones)):
        try:
            ahead = _offset(zone, now)
        except (KeyError, ValueError, OSError):
            continue
        if ahead > offset:
            best, offset = zone, ahead
    return best


def _offset(zone: str, now: datetime) -> timedelta:
    return now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
