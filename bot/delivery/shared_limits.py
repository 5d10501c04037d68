"""Rate-limit state in the database, shared by every process and request handler on it, for
far less than a transaction per call.

Each key's row holds the pace (GCRA's theoretical arrival time, ``tat``) and the hold (until when
a 429's ``Retry-After`` told everyone to wait). A process does not lock the row for each call:
it **reserves a batch** of the key's next slots in one transaction and spends them here, in
order, sleeping until each: one slot at first, twice as many each time a batch is spent in full,
up to ``most``, and none more than ``window`` seconds ahead (a burst's are all due at once).
Every process reserves from the same row, so together they keep to one pace.

A slot is spent in time or not at all: the i-th slot of a batch expires one interval after
``max(slot, reserved + i intervals)``, so a process that stalls never fires a backlog of old
slots at once (which could overrun the platform's bucket); what it did not spend it gives back
at its next reservation, if nobody reserved since.

A **429** is written at once (:meth:`SharedLimits.hold`) and voids this process's slots for the
key; the holds of other processes are read before calls, from one query for all keys at most
every ``fresh`` seconds, and by every reservation, which also never hands out a slot inside one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.delivery.limits import Limits, Rate, after_hold, slot_for
from bot.store.db import Database
from bot.store.ratelimits import RateLimitRow

WINDOW = 0.25  # how far ahead a process reserves a key's slots, in seconds
MOST = 16  # and at most this many slots
FRESH = 0.5  # how old the holds read before a call may be, in seconds (a reservation reads its
# key's hold too, at least every WINDOW while the key is in use)


@dataclass
class Batch:
    """Slots of one key reserved in one transaction: (slot, expiry), in order."""

    slots: deque[tuple[float, float]]
    tat: float  # the key's arrival time right after the reservation
    held: float  # the key's hold when reserved: a later one voids the batch
    interval: float
    size: int
    ends: float  # when its last slot expires
    expired: int = 0

    def take(self, now: float) -> float | None:
        """The next slot still good at ``now`` (expired ones are counted), or None."""
        while self.slots and self.slots[0][1] < now:
            self.slots.popleft()
            self.expired += 1
        return self.slots.popleft()[0] if self.slots else None

    @property
    def unspent(self) -> int:
        return self.expired + len(self.slots)


def reserve(
    tat: float, held_until: float, now: float, rate: Rate, count: int, longest: float, window: float
) -> tuple[list[tuple[float, float]], float]:
    """Up to ``count`` next slots, none more than ``longest`` away nor (but the first) more than
    ``window``, with their expiries; and the arrival time after them. No slot: the first is too
    far away."""
    slots: list[tuple[float, float]] = []
    for i in range(count):
        slot, moved = slot_for(tat, held_until, now, rate)
        if slot - now > (longest if i == 0 else min(longest, window)):
            break
        slots.append((slot, max(slot, now + i * rate.interval) + rate.interval))
        tat = moved
    return slots, tat


@dataclass
class _Holds:
    """Every key's hold as last read, and when it was read."""

    until: dict[str, float] = field(default_factory=dict)
    read_at: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class SharedLimits(Limits):
    """Rate-limit state in the database: shared by every process and handler on it."""

    def __init__(
        self,
        db: Database,
        *,
        window: float = WINDOW,
        most: int = MOST,
        fresh: float = FRESH,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.db = db
        self.window = window
        self.most = most
        self.fresh = fresh
        self._batches: dict[str, Batch] = {}
        self._holds = _Holds()
        self.reservations = 0  # transactions taken for slots, for benchmarks

    async def held_until(self, key: str) -> float:
        """The key's hold, as read at most ``fresh`` seconds ago (or written here since)."""
        holds = self._holds
        if self.now() - holds.read_at > self.fresh:
            async with holds.lock:
                if self.now() - holds.read_at > self.fresh:
                    read_at = self.now()
                    async with self.db.engine.connect() as conn:
                        found = await conn.execute(
                            select(RateLimitRow.key, RateLimitRow.held_until).where(
                                RateLimitRow.held_until > read_at
                            )
                        )
                    known = {k: u for k, u in holds.until.items() if u > read_at}
                    for k, until in found.all():
                        known[k] = max(until, known.get(k, 0.0))
                    holds.until, holds.read_at = known, read_at
        return holds.until.get(key, 0.0)

    async def holds(self, keys: Sequence[str]) -> dict[str, float]:
        """The holds of ``keys`` as the database has them now (one query, no write), with any
        written here since."""
        now = self.now()
        async with self.db.engine.connect() as conn:
            found = await conn.execute(
                select(RateLimitRow.key, RateLimitRow.held_until).where(
                    RateLimitRow.key.in_(list(keys)), RateLimitRow.held_until > now
                )
            )
        held = {k: u for k, u in self._holds.until.items() if k in keys and u > now}
        for key, until in found.all():
            held[key] = max(float(until), held.get(key, 0.0))
        return held

    def count(self, rate: Rate, spent: Batch | None, now: float) -> int:
        """How many slots of ``rate`` to reserve at most: one for a key not in use here, twice the
        last batch's while each is spent in full, up to ``most``; what was spent of the last
        batch when it was not (a process calling a key now and then wastes none)."""
        if spent is None or spent.ends < now - self.window:
            return 1
        if spent.unspent:
            return max(1, spent.size - spent.unspent)
        return min(self.most, 2 * spent.size)

    async def _reserve(self, key: str, rate: Rate | None, longest: float) -> tuple[float, bool]:
        async with self._lock(key):
            held = await self.held_until(key)
            now = self.now()
            if rate is None:  # no pace: only a hold to keep
                slot = max(now, held)
                return slot, slot - now <= longest
            if not rate.shared:  # paced here, held by all
                tat = self._state.get(key, (0.0, 0.0))[0]
                slot, moved = slot_for(tat, held, now, rate)
                if slot - now > longest:
                    return slot, False
                self._state[key] = (moved, held)
                return slot, True
            batch = self._batches.get(key)
            if batch is not None and batch.held >= held:
                taken = batch.take(now)
                if taken is not None:
                    return taken, True
            return await self._reserve_batch(key, rate, longest, batch)

    async def _reserve_batch(
        self, key: str, rate: Rate, longest: float, spent: Batch | None
    ) -> tuple[float, bool]:
        """Reserve the key's next slots in one transaction, giving back what ``spent`` did not
        use if nobody reserved since; the first slot, and whether it was taken."""
        self._batches.pop(key, None)
        async with self.db.engine.begin() as conn:
            tat, held = await self._row(conn, key)
            if spent is not None and spent.unspent and tat == spent.tat:
                tat -= spent.unspent * spent.interval
            now = self.now()  # after the row's lock, which may have been waited for
            count = self.count(rate, spent, now)
            slots, moved = reserve(tat, held, now, rate, count, longest, self.window)
            if not slots:
                return slot_for(tat, held, now, rate)[0], False
            await conn.execute(
                update(RateLimitRow).where(RateLimitRow.key == key).values(tat=moved)
            )
        self.reservations += 1
        self._holds.until[key] = max(held, self._holds.until.get(key, 0.0))
        first, *rest = slots
        self._batches[key] = Batch(
            deque(rest), moved, held, rate.interval, len(slots), slots[-1][1]
        )
        return first[0], True

    async def hold(self, key: str, seconds: float, rate: Rate | None = None) -> None:
        async with self._lock(key), self.db.engine.begin() as conn:
            tat, held = await self._row(conn, key)
            tat, until = after_hold(tat, held, self.now(), seconds, rate)
            await conn.execute(
                update(RateLimitRow)
                .where(RateLimitRow.key == key)
                .values(tat=tat, held_until=until)
            )
        self._batches.pop(key, None)
        self._holds.until[key] = max(until, self._holds.until.get(key, 0.0))

    async def _row(self, conn: AsyncConnection, key: str) -> tuple[float, float]:
        """The key's (tat, held_until), its row made if new and locked until the transaction
        ends: the statement is a write, which takes the row's lock on PostgreSQL and the write
        lock on SQLite, so no other connection reads the state between this one's read and
        write."""
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        found = await conn.execute(
            insert(RateLimitRow)
            .values(key=key, tat=0.0, held_until=0.0)
            .on_conflict_do_update(index_elements=["key"], set_={"tat": RateLimitRow.tat})
            .returning(RateLimitRow.tat, RateLimitRow.held_until)
        )
        tat, held = found.one()
        return float(tat), float(held)
