"""A time to meet: 30-minute slots inside every member's working hours, in the round's week.

Pure functions, no I/O. A person works Monday to Friday in their own time zone, between their
hours (the community's 09:00–17:00 unless they said `hours 08:00-16:00`). The slots offered lie
where everyone's hours overlap, at least ``MIN_NOTICE`` after the round and within its week,
spread over the week; each is checked once more against every person's own wall clock, so a
daylight-saving change inside the week never puts a slot outside anyone's hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SLOT = timedelta(minutes=30)
WEEK = timedelta(days=7)
MIN_NOTICE = timedelta(hours=2)
MOST_SLOTS = 3
WORKDAYS = range(5)  # Monday to Friday, in each person's own zone


@dataclass(frozen=True)
class Hours:
    """Working hours in a person's own zone; ``end`` is after ``start`` on the same day."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def stored(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


DEFAULT_HOURS = Hours(time(9), time(17))


def hours_of(stored: str | None) -> Hours:
    """A member's hours as stored ("08:00-16:00"), or the community's when none are."""
    try:
        start, end = (time.fromisoformat(part) for part in (stored or "").split("-"))
    except ValueError:
        return DEFAULT_HOURS
    return Hours(start, end) if start < end else DEFAULT_HOURS


@dataclass(frozen=True)
class Person:
    timezone: str
    hours: Hours = DEFAULT_HOURS


def week_of(now: datetime) -> tuple[datetime, datetime]:
    """The window a round offers slots in: from ``MIN_NOTICE`` after ``now`` to a week on."""
    start = _ceil(now.astimezone(UTC) + MIN_NOTICE)
    return start, now.astimezone(UTC) + WEEK


def find_slots(
    people: Sequence[Person], window: tuple[datetime, datetime], most: int = MOST_SLOTS
) -> list[datetime]:
    """Up to ``most`` slot starts (UTC) where everyone's hours overlap inside ``window``,
    spread over it; none where the overlap holds no 30 minutes."""
    if not people:
        return []
    start, end = window
    overlap = _intervals(people[0], start, end)
    for person in people[1:]:
        overlap = _intersect(overlap, _intervals(person, start, end))
    starts: list[datetime] = []
    for low, high in overlap:
        moment = _ceil(low)
        if moment + SLOT > high:
            moment = low  # an odd-offset overlap shorter than the grid allows
        while moment + SLOT <= high:
            if all(fits(moment, p) for p in people):
                starts.append(moment)
            moment += SLOT
    if len(starts) <= most:
        return starts
    # Spread over the week: the middle of each of ``most`` equal shares of the candidates.
    return [starts[int((k + 0.5) * len(starts) / most)] for k in range(most)]


def fits(moment: datetime, person: Person) -> bool:
    """Whether the 30 minutes from ``moment`` lie inside the person's hours on a workday."""
    zone = ZoneInfo(person.timezone)
    begin = moment.astimezone(zone)
    finish = (moment + SLOT).astimezone(zone)
    return (
        begin.weekday() in WORKDAYS
        and begin.date() == finish.date()
        and person.hours.start <= begin.time()
        and finish.time() <= person.hours.end
        and finish - begin == SLOT
    )


def local_label(moment: datetime, timezone: str) -> str:
    """ "Tue 14:00": a moment as a person reads it in their zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %H:%M}"


def for_each(moment: datetime, people: Sequence[tuple[str, str]]) -> str:
    """ "Tue 14:00 for Ana, 09:00 for Ben": ``moment`` in each (first name, zone)'s own time,
    the day named again only where it differs from the first person's."""
    parts: list[str] = []
    first_day: date | None = None
    for name, timezone in people:
        local = moment.astimezone(ZoneInfo(timezone))
        if first_day is None or local.date() != first_day:
            shown = f"{local:%a %H:%M}"
        else:
            shown = f"{local:%H:%M}"
        first_day = first_day or local.date()
        parts.append(f"{shown} for {name}")
    return ", ".join(parts)


def _intervals(person: Person, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The person's working hours in UTC, clipped to [start, end)."""
    zone = ZoneInfo(person.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found: list[tuple[datetime, datetime]] = []
    while day <= last:
        if day.weekday() in WORKDAYS:
            low = datetime.combine(day, person.hours.start, tzinfo=zone).astimezone(UTC)
            high = datetime.combine(day, person.hours.end, tzinfo=zone).astimezone(UTC)
            low, high = max(low, start), min(high, end)
            if low < high:
                found.append((low, high))
        day += timedelta(days=1)
    return found


def _intersect(
    one: list[tuple[datetime, datetime]], other: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    found: list[tuple[datetime, datetime]] = []
    i = j = 0
    while i < len(one) and j < len(other):
        low = max(one[i][0], other[j][0])
        high = min(one[i][1], other[j][1])
        if low < high:
            found.append((low, high))
        if one[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return found


def _ceil(moment: datetime) -> datetime:
    """``moment`` rounded up to the next whole half hour (UTC)."""
    moment = moment.astimezone(UTC)
    base = moment.replace(minute=0, second=0, microsecond=0)
    steps = -(-(moment - base) // SLOT)
    return base + steps * SLOT
