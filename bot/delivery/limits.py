"""Rate limits honoured before each call, one state per thing a platform limits together.

A **key** names what a platform counts together: a Slack workspace's method (``slack:T1:
conversations.open``), one channel for ``chat.postMessage``, a Discord route's bucket with its
major parameter, Discord's global limit. Each key has

- a **pace**, where its rate is known (Slack's published tiers): a token bucket kept as GCRA's
  theoretical arrival time, so a burst of ``burst`` calls goes at once and the rest at ``requests``
  per ``per`` seconds. A caller *reserves* its slot and sleeps until it, so callers queue fairly
  instead of racing; and
- a **hold**: when a platform answers 429, nobody calls with that key until its ``Retry-After``
  has passed, and the pace restarts from an empty bucket after it.

:class:`Limits` keeps the state in this process; :class:`~bot.delivery.shared_limits.SharedLimits`
keeps it in the database (table ``rate_limits``), so every process and request handler on one
database shares one state per key. Times are seconds since the epoch (``time.time``), comparable
across processes on one machine or NTP.

A wait longer than ``patience`` is not slept: :meth:`Limits.acquire` raises
:class:`~bot.errors.RateLimited` at once, so the sender puts the message off and goes on with
other communities' (a limit in one workspace never pauses another's deliveries).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.errors import RateLimited

PATIENCE = 2.0  # a wait up to this long (or two paces) is slept; a longer one is handed back


@dataclass(frozen=True)
class Rate:
    """``requests`` per ``per`` seconds, of which ``burst`` (all, by default) may go at once.
    ``shared``: False paces the key in each process apart (only its hold is shared), for
    what one process at a time calls, like posts to one conversation."""

    requests: int
    per: float
    burst: int | None = None
    shared: bool = True

    @property
    def interval(self) -> float:
        return self.per / self.requests

    @property
    def tolerance(self) -> float:
        """How far ahead of the pace a burst may run."""
        return (max(1, self.burst or self.requests) - 1) * self.interval


def slot_for(tat: float, held_until: float, now: float, rate: Rate | None) -> tuple[float, float]:
    """The earliest moment a call may go, and the arrival time the pace moves to if it does."""
    earliest = max(now, held_until)
    if rate is None:
        return earliest, tat
    earliest = max(earliest, tat - rate.tolerance)
    return earliest, max(tat, earliest) + rate.interval


def after_hold(
    tat: float, held_until: float, now: float, seconds: float, rate: Rate | None
) -> tuple[float, float]:
    """The state after a 429 asking to wait ``seconds``: held, and an empty bucket after it."""
    until = max(held_until, now + seconds)
    if rate is not None:
        tat = max(tat, until + rate.tolerance)
    return tat, until


class Limits:
    """Rate-limit state kept in this process (one per process: see :func:`process_limits`)."""

    def __init__(
        self,
        *,
        patience: float = PATIENCE,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.patience = patience
        self.now = now
        self.sleep = sleep
        self._state: dict[str, tuple[float, float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, key: str, rate: Rate | None = None, *, scope: str = "platform") -> None:
        """Wait for the next call of ``key``; raise RateLimited(``scope``) when that is more than
        ``patience`` (or two paces) away. A 429 that arrives while waiting voids the slot."""
        longest = max(self.patience, 2 * rate.interval if rate else 0.0)
        while True:
            slot, reserved = await self._reserve(key, rate, longest)
            wait = slot - self.now()
            if not reserved:
                raise RateLimited(wait, scope=scope)
            if wait <= 0:
                return
            await self.sleep(wait)
            if await self.held_until(key) <= self.now():
                return

    async def hold(self, key: str, seconds: float, rate: Rate | None = None) -> None:
        """Nobody calls with ``key`` for ``seconds`` (a 429's Retry-After)."""
        async with self._lock(key):
            await self._store_hold(key, seconds, rate)

    async def held_until(self, key: str) -> float:
        return self._state.get(key, (0.0, 0.0))[1]

    async def holds(self, keys: Sequence[str]) -> dict[str, float]:
        """Until when each of ``keys`` that a 429 holds is held, read now (no slot is taken:
        for a platform whose pace comes from its answers rather than a published rate)."""
        now = self.now()
        held = {key: self._state.get(key, (0.0, 0.0))[1] for key in keys}
        return {key: until for key, until in held.items() if until > now}

    def _lock(self, key: str) -> asyncio.Lock:
        if key not in self._locks:
            self._locks[key] = asyncio.Lock()
        return self._locks[key]

    async def _reserve(self, key: str, rate: Rate | None, longest: float) -> tuple[float, bool]:
        """Take the next slot of ``key`` unless it is more than ``longest`` away: (the slot,
        whether it was taken)."""
        async with self._lock(key):
            tat, held_until = self._state.get(key, (0.0, 0.0))
            now = self.now()
            slot, moved = slot_for(tat, held_until, now, rate)
            if slot - now > longest:
                return slot, False
            self._state[key] = (moved, held_until)
            return slot, True

    async def _store_hold(self, key: str, seconds: float, rate: Rate | None) -> None:
        tat, held_until = self._state.get(key, (0.0, 0.0))
        self._state[key] = after_hold(tat, held_until, self.now(), seconds, rate)
