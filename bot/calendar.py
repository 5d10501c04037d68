"""When a community's next round falls: its weekday and local time, in its time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import CommunitySettings


def next_round_at(
    settings: CommunitySettings, after: datetime, last_round_on: date | None = None
) -> datetime:
    """The first scheduled moment strictly after ``after`` (UTC), honouring the cadence.

    A round every N weeks falls N weeks after the last one; the wall-clock time stays the same
    across daylight-saving changes, because it is computed in the community's own zone.
    """
    zone = ZoneInfo(settings.timezone)
    hour, minute = (int(part) for part in settings.local_time.split(":"))
    local_after = after.astimezone(zone)
    day = local_after.date()
    day += timedelta(days=(settings.weekday - day.weekday()) % 7)
    if last_round_on is not None:
        earliest = last_round_on + timedelta(weeks=settings.cadence.weeks)
        while day < earliest:
            day += timedelta(weeks=1)
    while True:
        moment = datetime.combine(day, time(hour, minute), tzinfo=zone)
        if moment > local_after:
            return moment.astimezone(UTC)
        day += timedelta(weeks=1)


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def day_text(day: date) -> str:
    """A date as people read it, the one way Bridgework writes dates: "Friday 15 January 2027"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def moment_text(moment: datetime, timezone: str) -> str:
    """A moment in ``timezone``: "Friday 15 January 2027, 10:00 Europe/London" (a naive moment
    is taken to be in ``timezone`` already)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    return f"{day_text(local.date())}, {local:%H:%M} {timezone}"
