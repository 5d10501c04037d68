"""`hours 08:00-16:00`: parsed, or refused with the usage line."""

from __future__ import annotations

from datetime import time

import pytest

from bot.errors import InputError
from bot.hours_command import parse_hours
from bot.slots import Hours


def test_a_range_of_hours_is_read() -> None:
    assert parse_hours("08:00-16:00").hours == Hours(time(8), time(16))
    assert parse_hours("8:30 – 12:00").hours == Hours(time(8, 30), time(12))


def test_nothing_shows_and_default_resets() -> None:
    assert parse_hours("").hours is None and not parse_hours("").reset
    assert parse_hours("default").reset


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("25:00-26:00", "25:00 is not a time of day"),
        ("09:00-24:00", "24:00 is not a time of day"),
        ("16:00-08:00", "08:00 is not after 16:00"),
        ("09:00-09:00", "09:00 is not after 09:00"),
        ("09:00-09:20", "less than 30 minutes"),
        ("nine to five", "not a range of hours"),
        ("٠٩:٠٠-١٧:٠٠", "not a range of hours"),
    ],
)
def test_bad_hours_are_refused_with_the_usage_line(text: str, problem: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_hours(text)
    assert problem in str(refused.value)
    assert refused.value.example == "hours 08:00-16:00"
