"""`hours 08:00-16:00`: a member's own working hours, in their time zone, for meeting slots."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.errors import InputError
from bot.slots import SLOT, Hours

USAGE = (
    "hours HH:MM-HH:MM (your working hours, in your time zone) | hours default",
    "hours 08:00-16:00",
)
_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})", re.ASCII)


@dataclass(frozen=True)
class SetHours:
    """A member's `hours`: new ``hours`` to set; ``None`` shows theirs, or with ``reset`` goes
    back to the community's."""

    hours: Hours | None
    reset: bool = False


def parse_hours(rest: str) -> SetHours:
    """``rest`` is what follows the word `hours`: "08:00-16:00", "default", or nothing."""
    text = rest.strip()
    usage, example = USAGE
    if not text:
        return SetHours(None)
    if text.lower() in {"default", "reset"}:
        return SetHours(None, reset=True)
    match = _HOURS.fullmatch(text)
    if match is None:
        raise InputError(f"'{text[:30]}' is not a range of hours", usage=usage, example=example)
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if hour > 23 or minute > 59:
            raise InputError(
                f"{hour:02d}:{minute:02d} is not a time of day (00:00 to 23:59)",
                usage=usage,
                example=example,
            )
    start, end = time(h1, m1), time(h2, m2)
    if end <= start:
        raise InputError(
            f"{end:%H:%M} is not after {start:%H:%M}: say when your day starts, then when it ends",
            usage=usage,
            example=example,
        )
    if _minutes(end) - _minutes(start) < SLOT.total_seconds() // 60:
        raise InputError(
            "that is less than 30 minutes: a meeting needs at least that",
            usage=usage,
            example=example,
        )
    return SetHours(Hours(start, end))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute
