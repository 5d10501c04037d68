"""Virtual time for tests that wait on rate limits: one clock for the core (a datetime), the
shared limits and a fake platform (seconds), that moves only when something sleeps on it.

A sleep of ``d`` seconds moves the clock to at least ``d`` after the moment it began, and yields
to the event loop without waiting: waits that would take minutes at a platform's real limits
take no real time, and every party reads the same moment. Sleepers side by side move it to the
latest of their wake-ups (it never goes back), so a call is never early on any party's clock,
but may be late: one whose caller woke before another's wake-up moved the clock can reach the
platform at the same moment as the next, and meet a limit the pace kept to (a 429, then held).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class VirtualClock:
    """A clock the test can move (``advance``), and that moves itself with ``sleep``."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.slept = 0.0  # seconds asked of sleep in all, for tests that bound a wait

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def time(self) -> float:
        """The moment as seconds since the epoch (what the rate limits and fakes read)."""
        return self.now.timestamp()

    async def sleep(self, seconds: float) -> None:
        woken = self.now + timedelta(seconds=max(0.0, seconds))
        self.slept += max(0.0, seconds)
        await asyncio.sleep(0)
        self.now = max(self.now, woken)


def virtual_clock() -> VirtualClock:
    return VirtualClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))  # a Monday, as the tests' clock
