"""Check-ins by direct message go out at each member's own local time: a check-in every Friday
at 15:00 reaches Tokyo, Berlin and Los Angeles each at 15:00 on their own Friday.

The schedule's job fires at that time in the zone of its members furthest ahead of UTC (see
``earliest_zone``); each member's message is queued with ``next_attempt_at`` at the time in their
own stored zone on the schedule's day, and the sender holds it until then. The time is computed in
each zone for that very day, so it stays 15:00 across daylight-saving changes; each message has
its own key, so it is sent once however often the job or the sender runs. Each member's reminder
comes half the window after their own time, as their clocks count it (a 2-day window: Saturday
15:00 wherever they are), queued by the sweep and held until then like the check-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import local_date


def schedule_day(weekday: int, now: datetime, timezone: str) -> date:
    """The day a weekly run on ``weekday`` firing around ``now`` is for: the nearest such day
    to ``now``'s date in the schedule's zone (a run fired early, in a zone ahead, is for the
    coming one)."""
    today = local_date(now, timezone)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead if ahead <= 3 else ahead - 7)


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
