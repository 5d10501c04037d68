"""The core's front door: what adapters and the CLI call. Holds the database and the clock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import Clock, system_clock
from bot.dashboard import access
from bot.delivery.sender import ChatFor, Sender
from bot.delivery.shared_limits import SharedLimits
from bot.dispatch import Dispatcher
from bot.domain import Community, Platform, Role
from bot.errors import InputError
from bot.events import Actor, DirectMessage, Event, InstallEvent, Where, sanitized
from bot.lift import Lift
from bot.messages import Message, Text
from bot.ports import Chat, Eraser, LocatesChannel, MemberInfo, Progress, SpaceRef
from bot.role_commands import RoleCommand
from bot.services import (
    closing,
    followups,
    holdout,
    installs,
    intros,
    jobs,
    member_sync,
    roles,
)
from bot.services.closing import Closing
from bot.services.context import Context
from bot.services.digest import LLMConfig, Roster
from bot.services.member_sync import SyncReport
from bot.services.privacy import Kept
from bot.services.retention import apply as retain
from bot.services.taxonomy import set_taxonomy, taxonomy_of
from bot.settings import Settings
from bot.store import deliveries, migrate, repo
from bot.store.db import Database
from bot.store.facilitation import ScheduleRow
from bot.themes.taxonomy import dump_taxonomy

TAXONOMY_USAGE = "the shape of prompts/themes.yaml: themes: - {id, name, description, examples}"
TAXONOMY_EXAMPLE = "bridgework themes export --community 1 > themes.yaml"

log = logging.getLogger(__name__)


class Core:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        anonymity_threshold: int = 5,
        llm: LLMConfig | None = None,
        welcome: bool = False,
        llm_missing: tuple[str, ...] | None = None,
        uninstall_grace: timedelta = timedelta(days=30),
        retention: timedelta = timedelta(days=365),
        dashboard_url: str | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.threshold = anonymity_threshold
        self.llm = llm
        self.uninstall_grace = uninstall_grace  # an uninstalled community's data is kept so long
        self.retention = retention  # what people write, and the messages sent, are kept so long
        self.limits = SharedLimits(db)  # the platforms' rate limits, shared through the database
        self.dispatcher = Dispatcher(
            db,
            clock=clock,
            anonymity_threshold=anonymity_threshold,
            llm=llm,
            welcome=welcome,
            llm_missing=llm_missing,
        )
        self.dispatcher.kept = Kept(retention.days, uninstall_grace.days)
        self.dispatcher.dashboard_url = dashboard_url

    @property
    def welcome(self) -> bool:
        """Whether a newcomer synced or joining the channel gets one welcome message."""
        return self.dispatcher.welcome

    @welcome.setter
    def welcome(self, on: bool) -> None:
        self.dispatcher.welcome = on

    def add_eraser(self, eraser: Eraser) -> None:
        """Have forget-me also scrub what an adapter keeps of a person in the database."""
        self.dispatcher.erasers.append(eraser)

    async def handle(
        self, event: Event | DirectMessage, *, once: str | None = None
    ) -> Message | None:
        """Handle an inbound event; ``once``, the platform's key for this delivery of it, makes a
        retried delivery a no-op (see ``handled``)."""
        return await self.dispatcher.handle(event, once=once)

    async def installation(self, event: InstallEvent, *, once: str | None = None) -> list[int]:
        """Bridgework was uninstalled from a workspace or guild (or an org's install from some of
        its workspaces), or installed (again): mark its communities (see
        ``bot.services.installs``); the ids of those it changed. ``once`` as for ``handle``: a
        delivery already handled changes nothing."""
        async with self.db.transaction() as session:
            if once is not None and not await deliveries.first_time(session, once, self.clock()):
                log.info("delivery %s was already handled", once)
                return []
            return await installs.apply(session, event, self.clock())

    async def purge_uninstalled(self) -> str:
        """The daily purge: the people's data of communities uninstalled longer than the grace
        period ago (``UNINSTALL_GRACE_DAYS``)."""
        async with self.db.transaction() as session:
            purged = await installs.purge_due(session, self.clock(), self.uninstall_grace)
        return f"purged the people's data of communities {purged}" if purged else "nothing to purge"

    async def handled(self, once: str) -> bool:
        """Whether the delivery with this key has been handled (and its changes committed)."""
        async with self.db.session() as session:
            return await deliveries.handled(session, once)

    def use_roster(self, roster: Roster) -> None:
        """Where the LLM is configured, read members' names from ``roster`` (the platforms' member
        lists) at digest time, to redact them before anything goes to the LLM."""
        if self.llm is not None:
            self.llm = replace(self.llm, roster=roster)
            self.dispatcher.llm = self.llm

    def sender(self, chats: Chat | ChatFor, *, seed: int = 0) -> Sender:
        """A sender that drains the outbox through ``chats`` (one Chat, or one per community)."""
        return Sender(self.db, chats, clock=self.clock, seed=seed)

    async def ensure_community(
        self,
        platform: Platform,
        workspace: str,
        channel: str,
        *,
        name: str,
        timezone: str = "UTC",
        oauth: bool = False,
    ) -> int:
        """The community of this channel, added if new. ``oauth``: its workspace installed
        Bridgework itself (then its own admin alone turns the LLM on); a community added to a
        workspace whose others were is too."""
        async with self.db.transaction() as session:
            row = await repo.find_exact(session, platform, workspace, channel)
            if row is None:
                siblings = await installs.of_workspace(session, platform, workspace)
                if any(s.installed_via == installs.OAUTH for s in siblings):
                    oauth = True
                row = await repo.add_community(
                    session,
                    platform=platform,
                    workspace=workspace,
                    channel=channel,
                    name=name,
                    timezone=timezone,
                )
                if oauth:
                    row.installed_via = installs.OAUTH
            return row.id

    async def home(self, where: Where, actor: Actor) -> Message:
        return await self.dispatcher.home(where, actor)

    async def sync_members(self, community_id: int, infos: Sequence[MemberInfo]) -> SyncReport:
        """Enrol, refresh and remove members to match the platform's list of the channel."""
        async with self._context(community_id) as ctx:
            report = await member_sync.sync(ctx, sanitized(tuple(infos)), welcome=self.welcome)
        log.info(
            "community %s: %s enrolled, %s updated, %s left, left out %s, %s welcomed",
            community_id,
            report.enrolled,
            report.updated,
            report.removed,
            report.left_out or "nobody",
            report.welcomed,
        )
        return report

    async def sync_community(
        self, community_id: int, chat: Chat, *, progress: Progress | None = None
    ) -> SyncReport:
        """Ask the platform (``chat``) who is in the community's own channel, and sync with it."""
        community = await self.community_of(community_id)
        space = SpaceRef(community.workspace, community.channel)
        infos = await chat.members(space, progress=progress)
        if isinstance(chat, LocatesChannel):  # where in its organisation the channel is
            workspaces = await chat.workspaces_of(space)
            async with self.db.transaction() as session:
                await installs.locate(session, community_id, workspaces)
        return await self.sync_members(community_id, infos)

    async def close_groups(self, community_id: int, chat: Chat) -> Closing:
        """Close the community's introductions' group DMs past its ``close-dms-after`` through
        ``chat`` (where its platform has them to close; a rate limit waited out on the limits'
        own clock); see ``bot.services.closing``."""
        done = await closing.close_due(
            self.db, community_id, chat, clock=self.clock, sleep=self.limits.sleep
        )
        log.info("%s job %s: %s", jobs.CLOSE, community_id, done)
        return done

    async def has_members(self, community_id: int) -> bool:
        """Whether the community has anyone on record yet (its members were ever synced)."""
        async with self.db.session() as session:
            return bool(await repo.members(session, community_id))

    async def community(self, where: Where) -> Community | None:
        """The community the core serves ``where`` from: its channel's, or else the workspace's
        only community (a DM, the App Home)."""
        async with self.db.session() as session:
            row = await repo.find_community(session, where.platform, where.workspace, where.channel)
            return repo.to_community(row) if row is not None else None

    async def communities(self, platform: Platform, workspace: str) -> list[Community]:
        """Every community of one workspace or guild."""
        async with self.db.session() as session:
            return [
                repo.to_community(row)
                for row in await repo.communities(session)
                if (row.platform, row.workspace) == (platform.value, workspace)
            ]

    async def communities_reaching(self, platform: Platform, workspace: str) -> list[Community]:
        """Every community whose members come from a workspace or guild: its own, and those it
        is linked into."""
        return [
            c
            for c in await self.communities_on(platform)
            if c.workspace == workspace or workspace in c.linked
        ]

    async def link_workspace(
        self, community_id: int, workspace: str, *, unlink: bool = False
    ) -> Community:
        """Take the members of another workspace (a coalition's Discord server) into the
        community, or (``unlink``) stop; their organisation is that server's name."""
        async with self.db.session() as session, session.begin():
            row = await repo.get_community(session, community_id)
            if row is None:
                raise InputError(f"there is no community {community_id}")
            linked = [w for w in (row.linked_workspaces or []) if w != workspace or not unlink]
            if not unlink and workspace not in (row.workspace, *linked):
                linked.append(workspace)
            row.linked_workspaces = linked
            return repo.to_community(row)

    async def communities_on(self, platform: Platform) -> list[Community]:
        """Every community on one platform."""
        async with self.db.session() as session:
            rows = await repo.communities(session)
        return [repo.to_community(r) for r in rows if r.platform == platform.value]

    async def community_of(self, community_id: int) -> Community:
        """The community with this id (InputError if there is none)."""
        async with self.db.session() as session:
            row = await repo.get_community(session, community_id)
        if row is None:
            raise InputError(
                f"there is no community {community_id}", example="bridgework community list"
            )
        return repo.to_community(row)

    async def community_id(self, where: Where) -> int | None:
        async with self.db.session() as session:
            row = await repo.find_community(session, where.platform, where.workspace, where.channel)
            return row.id if row else None

    async def run_round(self, community_id: int, *, seed: int = 0) -> intros.RoundResult:
        async with self._context(community_id) as ctx:
            return await intros.run_round(ctx, seed=seed)

    async def lift(self, community_id: int) -> Lift | None:
        """The steering's lift estimated over the community's holdout (None without one)."""
        async with self._context(community_id) as ctx:
            return await holdout.estimate(ctx)

    async def dashboard_link(
        self, community_id: int, platform_id: str, role: Role, *, base_url: str, now: datetime
    ) -> str:
        """A one-use dashboard link for ``platform_id`` as ``role`` (lead or admin), valid from
        ``now`` (the wall clock: the demo's own clock runs in its story's weeks)."""
        async with self.db.transaction() as session:
            token = await access.issue(session, community_id, platform_id, role, now)
        return access.link_url(base_url, token)

    async def send_followups(self, community_id: int) -> int:
        """Queue the follow-ups of the community's latest round."""
        async with self._context(community_id) as ctx:
            last = await repo.last_round(ctx.session, community_id)
            if last is None:
                raise InputError(
                    "this community has had no round yet", example="bridgework run-now intros"
                )
            return await followups.send_followups(ctx, last)

    async def taxonomy(self, community_id: int) -> str:
        """The community's theme taxonomy as YAML (its own, or the default)."""
        async with self._context(community_id) as ctx:
            return dump_taxonomy(taxonomy_of(ctx.community))

    async def set_taxonomy(self, community_id: int, source: str | None) -> int:
        """Replace the community's taxonomy by ``source`` (YAML; None: the default); the count of
        its themes. Bad YAML or a bad theme raises InputError saying what is wrong."""
        async with self._context(community_id) as ctx:
            try:
                return len(set_taxonomy(ctx.community, source))
            except ValueError as error:
                problem = str(error)
            raise InputError(problem, usage=TAXONOMY_USAGE, example=TAXONOMY_EXAMPLE)

    async def roles(self, community_id: int, command: RoleCommand) -> str:
        """Grant, revoke, link or list roles as an admin would in chat; the reply."""
        async with self._context(community_id) as ctx:
            reply = await roles.handle(ctx, command)
            return reply.body if isinstance(reply, Text) else ""

    async def run_job(self, kind: str, target: int, *, force: bool = False) -> str:
        """Run a scheduled job now (``force``: even when its cadence says it is not due).

        ``target`` is the community's id, or for a ``schedule`` job the schedule's id; the
        housekeeping jobs (``purge``) ignore it. An uninstalled community runs nothing."""
        if kind == jobs.PURGE:
            return await self.purge_uninstalled()
        if kind == jobs.RETENTION:
            async with self.db.transaction() as session:
                return str(await retain(session, self.clock(), self.retention))
        jobs.check_kind(kind)
        if kind == "schedule":
            async with self.db.session() as session:
                row = await session.get(ScheduleRow, target)
            if row is None:
                return f"schedule {target} is gone"
            async with self._context(row.community_id) as ctx:
                if ctx.community.uninstalled_at is not None:
                    return f"community {ctx.community.id} is uninstalled: schedule {target} waits"
                found = await ctx.session.get(ScheduleRow, target)
                assert found is not None
                done = await jobs.run_schedule(ctx, found, force=force)
        else:
            async with self._context(target) as ctx:
                if ctx.community.uninstalled_at is not None:
                    return f"community {target} is uninstalled: its {kind} job did not run"
                done = await jobs.run(ctx, kind, force=force, llm=self.llm)
        log.info("%s job %s: %s", kind, target, done)
        return done

    @asynccontextmanager
    async def _context(self, community_id: int) -> AsyncIterator[Context]:
        async with self.db.transaction() as session:
            community = await repo.get_community(session, community_id)
            if community is None:
                raise InputError(
                    f"there is no community {community_id}", example="bridgework community list"
                )
            yield Context(session, self.clock, community, self.threshold)

    async def close(self) -> None:
        await self.db.dispose()


async def open_core(
    settings: Settings, *, clock: Clock = system_clock, url: str | None = None
) -> Core:
    """Connect, bring the schema up to date (or refuse a newer one), and return the core."""
    db = Database(url or settings.database)
    try:
        await migrate.upgrade(db)
    except BaseException:
        await db.dispose()
        raise
    llm = None
    if settings.llm_enabled:
        assert settings.llm_base_url is not None and settings.llm_model is not None
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
        llm = LLMConfig(settings.llm_base_url, key, settings.llm_model)
    return Core(
        db,
        clock=clock,
        anonymity_threshold=settings.anonymity_threshold,
        llm=llm,
        welcome=settings.welcome_dm,
        llm_missing=settings.llm_missing,
        uninstall_grace=timedelta(days=settings.uninstall_grace_days),
        retention=timedelta(days=settings.retention_days),
        dashboard_url=settings.dashboard_url,
    )
