"""The web role's HTTP server: the adapters' ASGI apps behind ``GET /healthz``, on uvicorn.

It listens on ``WEB_HOST`` (127.0.0.1 unless set: a public address is a choice, not a default)
and ``PORT`` when the platform sets it (Heroku, Render, Fly …), else ``SLACK_PORT``.

``/healthz`` answers 200 with ``{"ok": true, …}`` when the database is reachable, its schema is
this version's and a scheduler leads (this process, or on PostgreSQL whoever holds the lock);
503 with the same fields otherwise, so a load balancer or an uptime check can tell what is wrong.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from bot.delivery.leader import LOCK_KEY, Leadership, leader_pid
from bot.errors import StoreError
from bot.logs import adopt_uvicorn
from bot.settings import Settings
from bot.store import migrate
from bot.store.db import Database

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class Health:
    database: str  # "reachable", or why not
    schema: str  # "current", or the revision found
    scheduler: str | None  # who leads ("this process", "pid 123"), None when nobody is known

    @property
    def ok(self) -> bool:
        return self.database == "reachable" and self.schema == "current" and bool(self.scheduler)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "database": self.database,
            "schema": self.schema,
            "scheduler": self.scheduler,
        }


async def health(db: Database, leadership: Leadership | None = None) -> Health:
    """The database, its schema and the scheduler's leader, as ``/healthz`` reports them."""
    try:
        await db.ping()
        current = await migrate.current_revision(db)
    except StoreError as exc:
        log.warning("healthz: %s", exc)
        return Health("unreachable", "unknown", None)
    schema = "current" if current == migrate.head_revision() else f"at {current or 'none'}"
    return Health("reachable", schema, await scheduler_leader(db, leadership))


async def scheduler_leader(db: Database, leadership: Leadership | None) -> str | None:
    if leadership is not None and leadership.leading:
        return "this process"
    if db.is_sqlite:
        return None  # one process leads on SQLite: the one that runs the scheduler
    pid = await leader_pid(db, key=leadership.key if leadership is not None else LOCK_KEY)
    return f"pid {pid}" if pid is not None else None


def with_health(app: ASGIApp | None, db: Database, leadership: Leadership | None = None) -> ASGIApp:
    """``app`` with ``GET /healthz`` in front of it (alone, when ``app`` is None)."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == HEALTH_PATH:
            found = await health(db, leadership)
            await _json(send, 200 if found.ok else 503, found.as_json())
            return
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "http":
            await _json(send, 404, {"error": "not found"})
        elif scope["type"] == "lifespan":
            await lifespan(receive, send)

    return serve


async def lifespan(receive: Receive, send: Send) -> None:
    """Answer an ASGI server's lifespan messages (nothing to start or stop) until shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _json(send: Send, status: int, body: dict[str, object]) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def port_of(settings: Settings) -> int:
    """``PORT`` when the platform sets it, else ``SLACK_PORT``."""
    return settings.port if settings.port is not None else settings.slack_port


async def serve(app: ASGIApp, settings: Settings) -> None:
    """Serve ``app`` on ``WEB_HOST``:``PORT`` with uvicorn until cancelled; uvicorn's log lines
    go through the process's one log format (``bot.logs``)."""
    import uvicorn

    adopt_uvicorn()
    config = uvicorn.Config(
        app,
        host=settings.web_host,
        port=port_of(settings),
        log_config=None,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    log.info("web: listening on %s:%d", settings.web_host, port_of(settings))
    await uvicorn.Server(config).serve()
