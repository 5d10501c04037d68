"""The database connection: an async engine and its sessions.

SQLite allows one writer at a time. A transaction that reads first and writes later (SQLite's
default, deferred) cannot wait for the lock: if another connection wrote in between, its write
fails at once with "database is locked", whatever the busy timeout. So on SQLite every
``transaction()`` of this process waits its turn for one in-process writer lock (first come,
first served), then takes SQLite's write lock at ``BEGIN IMMEDIATE``, where the busy timeout does
apply (another process's writer). PostgreSQL needs neither: its transactions start plainly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.errors import StoreError
from bot.settings import mask_url

BUSY_TIMEOUT = 30.0  # seconds a SQLite connection waits for another process's writer


class Database:
    """One engine and a session factory for it. ``create=False`` opens an existing SQLite file
    only: no folder is made, and :meth:`require` says when the file does not exist."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if create and self.file is not None:
            folder = self.file.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot make the folder {folder} for the database ({exc.strerror}); "
                    "set BRIDGEWORK_DATA_DIR (or DATABASE_URL) to a folder that can be written"
                ) from None
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock()

    def session(self) -> AsyncSession:
        return self.sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that writes: committed at the end, rolled back on error.
        On SQLite, one such transaction at a time (see the module's docstring)."""
        if not self.is_sqlite:
            async with self.session() as session, session.begin():
                yield session
            return
        async with self._writer, self.session() as session:
            # The driver leaves a statement like this alone, and SQLAlchemy's commit ends it.
            await session.execute(text("BEGIN IMMEDIATE"))
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    @property
    def file(self) -> Path | None:
        """The SQLite file, or None (a server, or SQLite in memory)."""
        database = make_url(self.url).database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    @property
    def missing(self) -> bool:
        """Whether this is a SQLite file that does not exist (yet)."""
        return self.file is not None and not self.file.exists()

    def missing_reason(self) -> str:
        """What is missing, for people: the file, and its folder when that is missing too."""
        assert self.file is not None
        folder = self.file.parent
        why = "" if folder.is_dir() else f" (nor does its folder {folder.resolve()})"
        return f"{self.location} does not exist{why}"

    def require(self) -> None:
        """Refuse a SQLite file that does not exist, rather than create one at a mistyped path."""
        if self.missing:
            raise StoreError(
                f"{self.missing_reason()} — check DATABASE_URL and BRIDGEWORK_DATA_DIR; "
                "`bridgework run` or `bridgework db upgrade` creates it"
            )

    @property
    def location(self) -> str:
        """Where the data lives, for people: a file path or a server, never a password."""
        parsed = make_url(self.url)
        if self.is_sqlite:
            return str(Path(parsed.database or ":memory:").resolve())
        return parsed.render_as_string(hide_password=True)

    async def ping(self) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except DBAPIError as exc:
            reason = mask_url(str(exc.orig)).strip()
            if self.is_sqlite and "not a database" in reason:
                raise StoreError(
                    f"{self.location} is not a SQLite database ({reason}); point DATABASE_URL "
                    "or BRIDGEWORK_DATA_DIR at Bridgework's database, or at a new file"
                ) from None
            raise StoreError(f"cannot reach the database at {self.location}: {reason}") from None
        except OSError as exc:
            raise StoreError(f"cannot reach the database at {self.location}: {exc}") from None

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across crashes of the process
    cursor.close()
