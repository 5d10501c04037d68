"""Running the bot: which parts this process runs (``--role``), and the chats they deliver through.

- ``scheduler``: waits for the lead (a PostgreSQL advisory lock; on SQLite it leads at once), then
  runs APScheduler's jobs; it gives the jobs up if it loses the lead.
- ``sender``: drains the outbox; any number may run (rows are claimed with SKIP LOCKED).
- ``web``: the platform adapters' HTTP endpoints (Slack's HTTP mode and OAuth).
- ``all``: every part, plus the platform connections (Socket Mode, the Discord gateway).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core import Core
from bot.delivery.leader import Leadership
from bot.delivery.scheduler import Scheduler
from bot.delivery.sender import ChatFor, DrainReport
from bot.domain import Community, Platform
from bot.errors import ConfigError, InputError
from bot.plugins import load_adapter
from bot.ports import Chat
from bot.settings import Settings

log = logging.getLogger(__name__)

ROLES = ("all", "scheduler", "sender", "web")


def platforms_configured(settings: Settings) -> list[Platform]:
    chosen: list[Platform] = []
    if settings.slack_bot_token is not None or settings.slack_client_id:
        chosen.append(Platform.SLACK)
    if settings.discord_token is not None:
        chosen.append(Platform.DISCORD)
    return chosen


def chats(settings: Settings) -> ChatFor:
    """The Chat for each community, by its platform; adapters are loaded on first use."""
    resolvers: dict[Platform, ChatFor] = {}

    def chat_for(community: Community) -> Chat:
        if community.platform not in resolvers:
            adapter = load_adapter(community.platform.value)
            resolvers[community.platform] = adapter.chat_for(settings)
        return resolvers[community.platform](community)

    return chat_for


async def run_once(core: Core, settings: Settings, kind: str, community_id: int) -> str:
    """`bridgework run-now`: the job, then delivery of what it queued, then exit."""
    done = await core.run_job(kind, community_id, force=True)
    report = await core.sender(chats(settings)).drain(community_id=community_id, max_wait=120)
    return f"{done}; delivered {report.sent}, dead {report.dead}"


async def drain(core: Core, settings: Settings, community_id: int | None) -> DrainReport:
    return await core.sender(chats(settings)).drain(community_id=community_id, max_wait=120)


async def serve(core: Core, settings: Settings, role: str, *, idle: float = 1.0) -> None:
    """Run this process's parts until cancelled."""
    if role not in ROLES:
        raise InputError(
            f"there is no role '{role}'", usage=" | ".join(ROLES), example="--role all"
        )
    parts: list[Awaitable[None]] = []
    if role in ("all", "scheduler"):
        parts.append(lead_scheduler(core, settings))
    if role in ("all", "sender"):
        parts.append(send_forever(core, settings, idle=idle))
    platforms = platforms_configured(settings)
    if role in ("all", "web"):
        parts.extend(
            _adapter_parts(core, settings, platforms, "asgi_serve" if role == "web" else "serve")
        )
    if not parts:
        raise ConfigError("SLACK_BOT_TOKEN / DISCORD_TOKEN", "no platform is configured")
    await asyncio.gather(*parts)


def _adapter_parts(
    core: Core, settings: Settings, platforms: list[Platform], entry: str
) -> list[Awaitable[None]]:
    parts: list[Awaitable[None]] = []
    for platform in platforms:
        adapter = load_adapter(platform.value)
        runner: Callable[[Settings, Core], Awaitable[None]] | None = getattr(adapter, entry, None)
        if runner is None:
            if entry == "asgi_serve":
                continue
            raise ConfigError(
                platform.value.upper(), f"the {platform.value} adapter cannot {entry}"
            )
        parts.append(runner(settings, core))
    return parts


async def send_forever(core: Core, settings: Settings, *, idle: float = 1.0) -> None:
    sender = core.sender(chats(settings))
    while True:
        report = DrainReport()
        if not await sender.pass_once(report):
            await asyncio.sleep(idle)


async def lead_scheduler(core: Core, settings: Settings, *, poll: float = 5.0) -> None:
    """Wait for the lead, run the scheduler while leading, and stand down if the lead is lost."""
    leadership = Leadership(core.db)
    grace = timedelta(hours=settings.schedule_grace_hours)
    while True:
        await leadership.wait(poll=poll)
        scheduler = Scheduler(core.db, core.run_job, grace=grace)
        await scheduler.start()
        try:
            while await leadership.still_leading():
                await asyncio.sleep(poll)
        finally:
            await scheduler.stop()
            if not leadership.leading:
                await leadership.release()
