"""Running the bot: which parts this process runs (``--role``), and the chats they deliver through.

- ``scheduler``: waits for the lead (a PostgreSQL advisory lock; on SQLite it leads at once), then
  runs APScheduler's jobs; it gives the jobs up if it loses the lead.
- ``sender``: drains the outbox; any number may run (rows are claimed with SKIP LOCKED).
- ``web``: the platform adapters' HTTP endpoints (Slack's HTTP mode and OAuth).
- ``all``: every part, plus the platform connections (Socket Mode, the Discord gateway).

Adapters are loaded by name (``bot.plugins``); each gives the Chat of its communities.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot import web
from bot.core import Core
from bot.dashboard.app import Dashboard
from bot.delivery.leader import Leadership
from bot.delivery.outbox import PENDING, SENDING
from bot.delivery.scheduler import Scheduler
from bot.delivery.sender import ChatFor, DrainReport
from bot.domain import Community, Platform
from bot.errors import (
    BridgeworkError,
    ConfigError,
    InputError,
    NotConfigured,
    PlatformUnavailable,
)
from bot.plugins import load_adapter
from bot.ports import Chat, Progress, SpaceRef
from bot.services.jobs import CLOSE, check_kind
from bot.services.member_sync import SyncReport
from bot.settings import Settings
from bot.store import repo
from bot.store.models import CommunityRow, OutboxRow

log = logging.getLogger(__name__)

ROLES = ("all", "scheduler", "sender", "web")
SETTING = {Platform.SLACK: "SLACK_BOT_TOKEN", Platform.DISCORD: "DISCORD_TOKEN"}


def platforms_configured(settings: Settings) -> list[Platform]:
    chosen: list[Platform] = []
    if settings.slack_bot_token is not None or settings.slack_client_id:
        chosen.append(Platform.SLACK)
    if settings.discord_token is not None:
        chosen.append(Platform.DISCORD)
    return chosen


class Platforms:
    """The adapters this process uses: the Chat of each community, and the platforms' servers."""

    def __init__(self, settings: Settings, core: Core) -> None:
        self.settings = settings
        self.core = core
        self._chats: dict[Platform, ChatFor] = {}
        self._discord: Any = None
        self._gateway = False

    async def open(self, *, gateway: bool, only: set[Platform] | None = None) -> None:
        """Connect what sending needs: Discord over its gateway (``gateway``) or REST alone.

        ``only`` (one-shot commands): just these platforms, each checked first — its credentials
        set (else ConfigError naming the setting), accepted and its API reachable (else
        ConfigError or PlatformUnavailable) — so that nothing is queued that cannot go out."""
        configured = platforms_configured(self.settings)
        for platform in sorted(only or set(), key=lambda p: p.value):
            if platform is not Platform.CONSOLE and platform not in configured:
                setting = SETTING[platform]
                raise ConfigError(setting, f"not set: needed to deliver to {platform.value}")
        for platform in configured:
            if only is not None and platform not in only:
                continue
            adapter = load_adapter(platform.value)
            if platform is Platform.DISCORD:
                if gateway:
                    self._discord = adapter.build_client(self.settings, self.core)
                else:
                    self._discord = await adapter.rest_client(self.settings, self.core)
                self._gateway = gateway
                self._chats[platform] = adapter.chat_for(self._discord)
            else:
                if only is not None:
                    await adapter.preflight(self.settings)
                self._chats[platform] = adapter.chat_for(self.settings, self.core)
        self.core.use_roster(self.roster)

    async def roster(self, community: Community) -> list[str]:
        """The names of the community's members as its platform lists them now."""
        chat = self.chats()(community)
        infos = await chat.members(SpaceRef(community.workspace, community.channel))
        return [info.display_name for info in infos if not info.bot]

    def chats(self) -> ChatFor:
        def chat_for(community: Community) -> Chat:
            if community.platform is Platform.CONSOLE and Platform.CONSOLE not in self._chats:
                self._chats[Platform.CONSOLE] = load_adapter("console").chat_for(self.settings)
            resolver = self._chats.get(community.platform)
            if resolver is None:
                raise NotConfigured(
                    SETTING.get(community.platform, community.platform.value),
                    f"this process has no {community.platform.value} credentials",
                )
            return resolver(community)

        return chat_for

    def web_app(self, role: str) -> web.ASGIApp | None:
        """Slack's HTTP mode (``--role web``, or ``all`` without an app-level token), if set."""
        if Platform.SLACK not in self._chats or self.settings.slack_signing_secret is None:
            return None
        if role == "web" or self.settings.slack_app_token is None:
            slack = load_adapter("slack")
            app: web.ASGIApp = slack.asgi_app(self.settings, self.core)
            return app
        return None

    def servers(self, role: str) -> list[Awaitable[None]]:
        """The platform connections this role keeps open (Socket Mode, the Discord gateway),
        each tried again with backoff while its platform cannot be reached."""
        parts: list[Awaitable[None]] = []
        if role == "all" and Platform.SLACK in self._chats and self.settings.slack_app_token:
            slack = load_adapter("slack")
            parts.append(keep_trying(lambda: slack.serve(self.settings, self.core)))
        if role == "all" and self._discord is not None and self._gateway:
            discord = load_adapter("discord")
            client = self._discord
            parts.append(
                keep_trying(lambda: discord.serve(self.settings, self.core, client=client))
            )
        return parts

    async def ready(self) -> None:
        if self._discord is not None and self._gateway:
            await self._discord.wait_until_ready()

    async def close(self) -> None:
        if self._discord is not None and not self._gateway:
            await self._discord.close()


async def run_once(core: Core, settings: Settings, kind: str, community_id: int) -> str:
    """`bridgework run-now`: check that the community's platform can be reached, run the job,
    deliver what it queued, exit. A platform that cannot be reached fails before the job runs.
    The platforms open first also so that a digest can read the members' names it redacts.

    Intros for a community whose members were never synced sync them first; with nobody to
    introduce even then, it refuses rather than record an empty round for the day. The
    ``close-dms`` job closes the community's old group DMs at once (it queues nothing)."""
    if kind != CLOSE:
        check_kind(kind)
    community = await _community(core, community_id)
    platforms = Platforms(settings, core)
    await platforms.open(gateway=False, only={community.platform})  # before anything else
    try:
        if kind == CLOSE:
            return str(await core.close_groups(community_id, platforms.chats()(community)))
        if kind == "intros" and not await core.has_members(community_id):
            await sync_members(core, settings, community_id, checked=True)
            if not await core.has_members(community_id):
                raise InputError(
                    f"community {community_id} has nobody to introduce yet: no round was run",
                    example=f"bridgework community sync --community {community_id}",
                )
        done = await core.run_job(kind, community_id, force=True)
        sender = core.sender(platforms.chats())
        report = await sender.drain(community_id=community_id, max_wait=120)
    finally:
        await platforms.close()
    return f"{done}; delivered {report.sent}, dead {report.dead}"


async def sync_members(
    core: Core,
    settings: Settings,
    community_id: int,
    *,
    progress: Progress | None = None,
    checked: bool = False,
) -> SyncReport | None:
    """Sync one community's members with its channel now, through its platform's adapter (a
    console community has no platform list: None). Unless ``checked`` already, Slack's token and
    URL are tried first, so that an unreachable Slack is named as one-shot commands name it."""
    community = await core.community_of(community_id)
    if community.platform is Platform.CONSOLE:
        return None
    if community.platform not in platforms_configured(settings):
        setting = "SLACK_BOT_TOKEN" if community.platform is Platform.SLACK else "DISCORD_TOKEN"
        raise ConfigError(setting, f"needed to read the members of community {community_id}")
    adapter = load_adapter(community.platform.value)
    if community.platform is Platform.SLACK and not checked:
        await adapter.preflight(settings)
    report: SyncReport = await adapter.sync_community(settings, core, community, progress=progress)
    return report


async def drain(core: Core, settings: Settings, community_id: int | None) -> DrainReport:
    """`bridgework outbox drain`: the platforms with messages waiting are checked first."""
    if community_id is not None:
        await _community(core, community_id)
    platforms = Platforms(settings, core)
    await platforms.open(gateway=False, only=await _waiting_platforms(core, community_id))
    try:
        return await core.sender(platforms.chats()).drain(community_id=community_id, max_wait=120)
    finally:
        await platforms.close()


async def _community(core: Core, community_id: int) -> Community:
    async with core.db.session() as session:
        row = await repo.get_community(session, community_id)
    if row is None:
        raise InputError(
            f"there is no community {community_id}", example="bridgework community list"
        )
    return repo.to_community(row)


async def _waiting_platforms(core: Core, community_id: int | None) -> set[Platform]:
    query = (
        select(CommunityRow.platform)
        .join(OutboxRow, OutboxRow.community_id == CommunityRow.id)
        .where(OutboxRow.status.in_((PENDING, SENDING)))
        .distinct()
    )
    if community_id is not None:
        query = query.where(CommunityRow.id == community_id)
    async with core.db.session() as session:
        return {Platform(p) for p in (await session.scalars(query)).all()}


async def keep_trying(
    start: Callable[[], Awaitable[None]],
    *,
    first: float = 1.0,
    cap: float = 300.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Run a platform connection; while its platform cannot be reached, say so and try again
    with exponential backoff (``first`` seconds, doubling, at most ``cap``)."""
    delay = first
    while True:
        try:
            await start()
            return
        except PlatformUnavailable as exc:
            log.warning("%s; trying again in %.0f s", exc.reason, delay)
        await sleep(delay)
        delay = min(cap, delay * 2)


async def serve(core: Core, settings: Settings, role: str, *, idle: float = 1.0) -> None:
    """Run this process's parts until cancelled."""
    if role not in ROLES:
        raise InputError(
            f"there is no role '{role}'", usage=" | ".join(ROLES), example="--role all"
        )
    platforms = Platforms(settings, core)
    await platforms.open(gateway=role == "all")
    leadership = Leadership(core.db) if role in ("all", "scheduler") else None
    try:
        parts: list[Awaitable[None]] = []
        if role in ("all", "web"):
            parts.extend(platforms.servers(role))
            app = platforms.web_app(role)
            if role == "web" and app is None and settings.dashboard_url is None:
                raise ConfigError(
                    "SLACK_SIGNING_SECRET / DASHBOARD_URL",
                    "--role web serves Slack's HTTP mode and the leads' dashboard: set either",
                )
            if app is not None or settings.port is not None or settings.dashboard_url:
                board = Dashboard(
                    core.db,
                    clock=core.clock,
                    threshold=settings.anonymity_threshold,
                    base_url=settings.dashboard_url,
                )
                served = web.with_health(board.mounted(app), core.db, leadership)
                parts.append(web.serve(served, settings))
        if leadership is not None:
            parts.append(lead_scheduler(core, settings, leadership=leadership, platforms=platforms))
        if role in ("all", "sender"):
            parts.append(send_forever(core, platforms, idle=idle))
        await asyncio.gather(*parts)
    finally:
        if leadership is not None:
            await leadership.release()
        await platforms.close()


async def sync_through(core: Core, chats: ChatFor | None, community_id: int) -> str:
    """The ``members`` job: sync a community through this process's chats (logged, not raised:
    the next day's run tries again)."""
    if chats is None:
        return "no platform to sync members with"
    try:
        community = await core.community_of(community_id)
        report = await core.sync_community(community_id, chats(community))
    except BridgeworkError as exc:
        log.warning("community %s: members not synced: %s", community_id, exc)
        return f"members not synced: {exc}"
    return f"members synced: {report.enrolled} enrolled, {report.removed} left"


async def close_through(core: Core, chats: ChatFor | None, community_id: int) -> str:
    """The daily ``close-dms`` job: close a community's old group DMs through this process's
    chats (logged, not raised: what is left waits for the next run)."""
    if chats is None:
        return "no platform to close group DMs on"
    try:
        community = await core.community_of(community_id)
        return str(await core.close_groups(community_id, chats(community)))
    except BridgeworkError as exc:
        log.warning("community %s: group DMs not closed: %s", community_id, exc)
        return f"group DMs not closed: {exc}"


async def send_forever(core: Core, platforms: Platforms, *, idle: float = 1.0) -> None:
    await platforms.ready()
    sender = core.sender(platforms.chats())
    while True:
        report = DrainReport()
        if not await sender.pass_once(report):
            await asyncio.sleep(idle)


async def lead_scheduler(
    core: Core,
    settings: Settings,
    *,
    poll: float = 5.0,
    leadership: Leadership | None = None,
    platforms: Platforms | None = None,
) -> None:
    """Wait for the lead, run the scheduler while leading, and stand down if the lead is lost.

    With ``platforms``, the leader syncs the members of each Slack community on taking the lead
    (Discord's gateway syncs its guilds as it connects), and every community daily."""
    leadership = leadership or Leadership(core.db)
    grace = timedelta(hours=settings.schedule_grace_hours)
    chats = platforms.chats() if platforms is not None else None

    async def runner(kind: str, target: int) -> object:
        if kind == "members":
            return await sync_through(core, chats, target)
        if kind == CLOSE:
            return await close_through(core, chats, target)
        return await core.run_job(kind, target)

    while True:
        await leadership.wait(poll=poll)
        scheduler = Scheduler(core.db, runner, grace=grace)
        await scheduler.start()
        if platforms is not None:
            await platforms.ready()
            for community in await core.communities_on(Platform.SLACK):
                await sync_through(core, chats, community.id)
        try:
            while await leadership.still_leading():
                await asyncio.sleep(poll)
        finally:
            await scheduler.stop()
            if not leadership.leading:
                await leadership.release()
