"""One scheduler leads at a time: a PostgreSQL advisory lock held on its own connection.

APScheduler 3 cannot share a job store between schedulers, so only the leader runs one. The lock
is session-level: when the leader's process dies, its connection closes and PostgreSQL frees the
lock; a standby that polls every few seconds takes over well within 30 s. On SQLite there is one
process, so it leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = 0x42_57_53_43  # "BWSC": Bridgework's scheduler


class Leadership:
    def __init__(self, db: Database, *, key: int = LOCK_KEY) -> None:
        self.db = db
        self.key = key
        self._conn: AsyncConnection | None = None
        self.leading = False

    async def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True while this process leads."""
        if self.leading:
            return True
        if self.db.is_sqlite:
            self.leading = True
            return True
        if self._conn is None:
            self._conn = await self.db.engine.connect()
        got = await self._conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        await self._conn.commit()
        self.leading = bool(got)
        if self.leading:
            log.info("this process now leads the scheduler")
        return self.leading

    async def wait(self, *, poll: float = 5.0) -> None:
        """Wait, polling, until this process leads."""
        while not await self.try_acquire():
            await asyncio.sleep(poll)

    async def still_leading(self) -> bool:
        """Whether the lock's connection is alive (if it died, so did the lead)."""
        if self.db.is_sqlite or self._conn is None:
            return self.leading
        try:
            await self._conn.scalar(text("SELECT 1"))
            await self._conn.commit()
        except (OperationalError, DBAPIError):
            log.warning("lost the scheduler lead: the lock's connection is gone")
            self.leading = False
            self._conn = None
        return self.leading

    async def release(self) -> None:
        if self._conn is not None:
            try:
                if self.leading:
                    await self._conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                    )
                    await self._conn.commit()
            except DBAPIError:
                # The connection died first (a cancelled shutdown): the server freed the lock
                # with the session, so there is nothing left to unlock.
                log.info("the scheduler's lock went with its closed connection")
            finally:
                with contextlib.suppress(DBAPIError):
                    await self._conn.close()
                self._conn = None
        self.leading = False


async def leader_pid(db: Database, *, key: int = LOCK_KEY) -> int | None:
    """The server process that holds the scheduler's lock (PostgreSQL), or None if nobody does.
    A bigint advisory lock shows in ``pg_locks`` as classid (high half), objid (low), objsubid 1."""
    if db.is_sqlite:
        return None
    async with db.engine.connect() as conn:
        pid = await conn.scalar(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :high AND objid = :low AND objsubid = 1 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        )
    return int(pid) if pid is not None else None
