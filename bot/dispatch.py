"""One dispatcher for every inbound event: find the community, check the actor's role, handle."""

from __future__ import annotations

import logging

from bot import commands
from bot.clock import Clock, system_clock
from bot.control_commands import ClearSkips, ListSkips, OptIn, OptOut, Skip
from bot.dashboard import access
from bot.domain import Role, first_name_of
from bot.errors import InputError
from bot.events import (
    Actor,
    ButtonPressed,
    CommandInvoked,
    ConversationMessage,
    DirectMessage,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    Where,
    sanitized,
)
from bot.facilitation import AddToLibrary, ManageSchedule, Results, ScheduleCheckIn, SchedulePrompt
from bot.messages import Message, Text
from bot.ports import Eraser, MemberInfo
from bot.role_commands import GrantRole, LinkRole, ListRoles, RevokeRole
from bot.services import (
    admin,
    blackouts,
    checkins,
    digest,
    followups,
    ghosts,
    library,
    meet_again,
    meeting,
    member_sync,
    membership,
    on_demand,
    optout,
    privacy,
    prompts,
    roles,
    schedules,
    taxonomy,
)
from bot.services.context import Context
from bot.services.digest import LLMConfig
from bot.store import deliveries, repo
from bot.store.db import Database
from bot.taxonomy_commands import AddTheme, ListThemes, RemoveTheme, ResetThemes
from bot.texts import copy

log = logging.getLogger(__name__)

ROLE_NAMES = {
    Role.MEMBER: "member",
    Role.FACILITATOR: "facilitator",
    Role.LEAD: "lead",
    Role.ADMIN: "admin",
}


class Dispatcher:
    """Handles each event in its own transaction; a rejected event changes nothing."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        anonymity_threshold: int = 5,
        llm: LLMConfig | None = None,
        welcome: bool = False,
        llm_missing: tuple[str, ...] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.threshold = anonymity_threshold
        self.llm = llm
        self.welcome = welcome  # greet newcomers to the channel with a message, once
        self.kept = privacy.Kept()  # how long what people write is kept (RETENTION_DAYS, …)
        self._llm_missing = llm_missing
        self.erasers: list[Eraser] = []  # adapters' own rows that may name a person
        self.dashboard_url: str | None = None  # DASHBOARD_URL: where dashboard links point

    @property
    def llm_missing(self) -> tuple[str, ...]:
        """The settings an LLM still needs (none when one is configured)."""
        if self.llm is not None:
            return ()
        return self._llm_missing or ("LLM_BASE_URL", "LLM_MODEL")

    async def handle(
        self, event: Event | DirectMessage, *, once: str | None = None
    ) -> Message | None:
        """The reply to show the actor (privately), or None where there is nothing to say.

        ``once``: the platform's key for this delivery of the event; a delivery already handled
        under it changes nothing and has no reply. A direct message to the bot has no reply: it
        belongs to no one community, and answers the person's introductions by DM in each."""
        event = sanitized(event)
        async with self.db.transaction() as session:
            if once is not None and not await deliveries.first_time(session, once, self.clock()):
                log.info("delivery %s was already handled", once)
                return None
            if isinstance(event, DirectMessage):
                await ghosts.heard_directly(session, event)
                return None
            where = event.where
            community = await repo.find_community(
                session, where.platform, where.workspace, where.channel
            )
            if community is None:
                return Text(copy("error.unknown_community"))
            ctx = Context(session, self.clock, community, self.threshold)
            role = await self.role_of(ctx, event.actor)
            savepoint = await session.begin_nested()
            try:
                reply = await self._route(ctx, role, event)
            except InputError as exc:
                await savepoint.rollback()
                return Text(
                    copy("error.usage", problem=str(exc), usage=exc.usage, example=exc.example)
                )
            await savepoint.commit()
            if role >= Role.ADMIN and isinstance(event, CommandInvoked):
                notice = roles.pending_notice(ctx, first_name_of(event.actor.display_name))
                if notice is not None:
                    return Text(f"{reply.body}\n\n{notice}" if isinstance(reply, Text) else notice)
            return reply

    async def home(self, where: Where, actor: Actor) -> Message:
        """The actor's home view: status and buttons; admins also see the community's settings."""
        async with self.db.session() as session, session.begin():
            community = await repo.find_community(
                session, where.platform, where.workspace, where.channel
            )
            if community is None:
                return Text(copy("error.unknown_community"))
            ctx = Context(session, self.clock, community, self.threshold)
            member = await repo.get_member(session, community.id, actor.platform_id)
            if member is None:
                status_text = copy("status.unknown")
            else:
                shown = await membership.status(ctx, member, commands.Status())
                status_text = shown.body if isinstance(shown, Text) else ""
            admin_text = ""
            if await self.role_of(ctx, actor) >= Role.ADMIN:
                admin_text = copy(
                    "home.admin",
                    community=community.name,
                    cadence=community.cadence,
                    day=commands.WEEKDAYS[community.weekday].capitalize(),
                    time=community.local_time,
                    timezone=community.timezone,
                    group_size=community.group_size,
                    digest=f"#{community.digest_channel}"
                    if community.digest_channel
                    else copy("set.digest_direct"),
                    close_dms=admin.close_dms_text(community.close_dms_after),
                )
            return membership.home(member, status_text, admin_text=admin_text)

    async def role_of(self, ctx: Context, actor: Actor) -> Role:
        """The highest of: a stored grant, the platform's admin fact (of the community's own
        organisation: a partner's workspace admin is not ours), a configured role name."""
        own = not actor.home or ctx.community.workspace in actor.home
        if actor.platform_admin and own:
            return Role.ADMIN
        role = await repo.role_of(ctx.session, ctx.community.id, actor.platform_id)
        names = ctx.community.role_names or {}
        for candidate, key in (
            (Role.FACILITATOR, "facilitator"),
            (Role.LEAD, "lead"),
            (Role.ADMIN, "admin"),
        ):
            if actor.platform_roles & set(names.get(key, ())):
                role = max(role, candidate)
        return role

    async def _route(self, ctx: Context, role: Role, event: Event) -> Message | None:
        if isinstance(event, ButtonPressed | MessagePosted | ConversationMessage):
            await ghosts.heard(ctx, event)  # an answer to an introduction, if it is one
        match event:
            case CommandInvoked():
                return await self._command(ctx, role, event)
            case ButtonPressed(action="outcome"):
                return await followups.record_outcome(ctx, event.actor, event.value)
            case ButtonPressed(action="slot"):
                return await meeting.tap(ctx, event.actor, event.value)
            case ButtonPressed(action="meet_again"):
                return await meet_again.answer(ctx, event.actor, event.value)
            case ButtonPressed(action="join"):
                return await membership.join(ctx, event.actor, commands.Join())
            case ButtonPressed(action="leave"):
                return await membership.leave(ctx, event.actor, commands.Leave())
            case ButtonPressed(action="pause"):
                pressed = CommandInvoked(event.where, event.actor, f"pause {event.value}")
                return await self._command(ctx, role, pressed)
            case ButtonPressed(action="keep_me_in"):
                return await ghosts.keep_me_in(ctx, event)
            case ButtonPressed(action="checkin_answer"):
                return await checkins.answer_form(ctx, event.actor, event.value)
            case ButtonPressed(action="checkin_skip"):
                return await checkins.skip(ctx, event.actor, event.value)
            case ButtonPressed(action="forget_confirm"):
                return await privacy.forget(ctx, event.actor, event.value, erasers=self.erasers)
            case ButtonPressed(action="forget_cancel"):
                return Text(copy("privacy.kept"))
            case ButtonPressed():
                log.info("community %s: unknown button action %r", ctx.community.id, event.action)
                first_name = first_name_of(event.actor.display_name)
                return Text(copy("button.unknown", action=event.action[:40], first_name=first_name))
            case FormSubmitted() if event.form_id.startswith("checkin:"):
                return await checkins.submit(ctx, event, self.threshold)
            case FormSubmitted():
                log.info("community %s: unknown form %r", ctx.community.id, event.form_id[:40])
                first_name = first_name_of(event.actor.display_name)
                return Text(copy("form.unknown", first_name=first_name))
            case MessagePosted():
                return await prompts.record_reply(
                    ctx, event.actor, event.thread, event.text, event.message
                )
            case ConversationMessage():
                return None
            case MemberJoined() | MemberLeft() if event.where.channel != ctx.community.channel:
                return None  # another channel of the workspace: not the community's business
            case MemberJoined():
                facts = MemberInfo(
                    event.actor.platform_id,
                    event.actor.display_name,
                    bot=event.bot,
                    guest=event.guest,
                    deactivated=event.deactivated,
                    organisation=event.organisation,
                )
                await member_sync.arrived(ctx, event.actor, event.team, facts, welcome=self.welcome)
                return None
            case MemberLeft():
                await member_sync.departed(ctx, event.actor)
                return None
        return None  # pragma: no cover - every event kind is matched above

    async def _command(self, ctx: Context, role: Role, event: CommandInvoked) -> Message:
        command = commands.parse(event.text, ctx.today, event.channels)
        needed = commands.required_role(command)
        first_name = first_name_of(event.actor.display_name)
        if role < needed:
            log.info("community %s: %s refused to role %s", ctx.community.id, needed, role)
            return Text(
                copy(
                    "error.role",
                    first_name=first_name,
                    command=commands.command_name(command),
                    role=ROLE_NAMES[needed],
                )
            )
        match command:
            case commands.Help():
                return Text(help_for(role))
            case ListRoles() | GrantRole() | RevokeRole() | LinkRole():
                return await roles.handle(ctx, command)
            case Skip() | ListSkips() | ClearSkips():
                return await blackouts.handle(ctx, command)
            case OptOut() | OptIn():
                return await optout.handle(ctx, command, actor=event.actor.platform_id, me=event.me)
            case commands.Join():
                return await membership.join(ctx, event.actor, command)
            case commands.Leave():
                return await membership.leave(ctx, event.actor, command)
            case commands.Set():
                return await admin.apply_setting(
                    ctx,
                    command,
                    actor=event.actor.platform_id,
                    llm_missing=self.llm_missing,
                    workspace_admin=event.actor.platform_admin,
                )
            case SchedulePrompt():
                return await prompts.schedule(ctx, event.actor, command)
            case ScheduleCheckIn():
                return await checkins.schedule(ctx, event.actor, command)
            case ManageSchedule():
                return await schedules.manage(ctx, command)
            case Results():
                return await checkins.results(ctx, command, self.threshold)
            case AddToLibrary():
                return await library.add(ctx, event.actor.platform_id, command)
            case commands.Suggest():
                return await on_demand.suggest(ctx, event.actor, command)
            case ListThemes() | AddTheme() | RemoveTheme() | ResetThemes():
                return await taxonomy.handle(ctx, command)
            case commands.Digest():
                built = await digest.build(ctx, llm=self.llm)
                await digest.send(ctx, built, [event.actor.platform_id])
                return Text(copy("digest.sent"))
            case commands.Dashboard():
                return await self._dashboard(ctx, role, event)
            case commands.MyData():
                return await privacy.export(ctx, event.actor, kept=self.kept)
            case commands.ForgetMe():
                return await privacy.ask_to_forget(ctx, event.actor)
        member = await repo.get_member(ctx.session, ctx.community.id, event.actor.platform_id)
        if member is None:
            if isinstance(command, commands.Status):
                return Text(copy("status.unknown"))
            return Text(copy("error.not_member", first_name=first_name))
        match command:
            case commands.Pause():
                return await membership.pause(ctx, member, command)
            case commands.Resume():
                return await membership.resume(ctx, member, command)
            case commands.SetTeam():
                return await membership.set_team(ctx, member, command, event.actor)
            case commands.SetTimezone():
                member.timezone = command.timezone
                return Text(
                    copy("timezone.ok", first_name=member.first_name, timezone=command.timezone)
                )
            case commands.Status():
                return await membership.status(ctx, member, command)
            case commands.About():
                return membership.about(member, command)
            case commands.IntroMe():
                return await on_demand.intro_me(ctx, member)
            case commands.SetHours():
                return membership.hours(member, command)
        raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover

    async def _dashboard(self, ctx: Context, role: Role, event: CommandInvoked) -> Message:
        """A one-use link to the dashboard, for the actor only (the reply is private)."""
        first_name = first_name_of(event.actor.display_name)
        if self.dashboard_url is None:
            return Text(copy("dashboard.not_set", first_name=first_name))
        token = await access.issue(
            ctx.session, ctx.community.id, event.actor.platform_id, role, self.clock()
        )
        return Text(
            copy(
                "dashboard.link",
                first_name=first_name,
                url=access.link_url(self.dashboard_url, token),
                community=ctx.community.name,
            )
        )


def help_for(role: Role) -> str:
    """The commands ``role`` allows: a member's, then each higher role's own."""
    parts = [copy("help")]
    if role >= Role.FACILITATOR:
        parts.append(copy("help.facilitator"))
    if role >= Role.LEAD:
        parts.append(copy("help.lead"))
    if role >= Role.ADMIN:
        parts.append(copy("help.admin"))
    if role is Role.MEMBER:
        parts.append(copy("help.member_footer"))
    return "\n".join(parts)
