"""Joining, leaving, pausing, resuming, setting one's team, and one's status."""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.calendar import day_text
from bot.commands import About, Join, Leave, Pause, Resume, SetHours, SetTeam, Status
from bot.domain import UNASSIGNED, MemberStatus, TeamPath, first_name_of
from bot.events import Actor
from bot.messages import Button, Choices, Message, Text
from bot.ports import MemberInfo
from bot.services.context import Context
from bot.slots import DEFAULT_HOURS, hours_of
from bot.store import repo
from bot.store.models import MemberRow
from bot.texts import copy

log = logging.getLogger(__name__)


async def enrol(ctx: Context, actor: Actor, team: str | None = None) -> MemberRow:
    """Make ``actor`` an active member (creating them if new); a known team is kept."""
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is None:
        member = new_member(ctx, actor, team)
        ctx.session.add(member)
        await ctx.session.flush()
        return member
    member.status = MemberStatus.ACTIVE.value
    member.paused_until = None
    if team:
        member.team = str(TeamPath.parse(team))
    if actor.timezone and known_zone(actor.timezone):
        member.timezone = actor.timezone
    return member


def new_member(ctx: Context, actor: Actor, team: str | None = None) -> MemberRow:
    """The row of someone new to the community, active (not yet added to the session)."""
    return MemberRow(
        community_id=ctx.community.id,
        platform_id=actor.platform_id,
        first_name=first_name_of(actor.display_name),
        team=str(TeamPath.parse(team)) if team else str(UNASSIGNED),
        timezone=actor.timezone
        if actor.timezone and known_zone(actor.timezone)
        else ctx.community.timezone,
        status=MemberStatus.ACTIVE.value,
        never_with=[],
    )


async def opt_out(ctx: Context, actor: Actor) -> MemberRow | None:
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is not None:
        member.status = MemberStatus.OPTED_OUT.value
        member.paused_until = None
    return member


async def join(ctx: Context, actor: Actor, _command: Join) -> Message:
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is not None and member.status == MemberStatus.ACTIVE.value:
        return Text(
            copy(
                "join.already", first_name=member.first_name, next_round=await ctx.next_round_text()
            )
        )
    if actor.listed is False:
        # The next sync would take them out again: say what lets them in instead.
        return Text(copy("join.not_listed", first_name=first_name_of(actor.display_name)))
    member = await enrol(ctx, actor)
    return Text(
        copy("join.ok", first_name=member.first_name, next_round=await ctx.next_round_text())
    )


async def leave(ctx: Context, actor: Actor, _command: Leave) -> Message:
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is None or member.status == MemberStatus.OPTED_OUT.value:
        return Text(copy("leave.already", first_name=first_name_of(actor.display_name)))
    await opt_out(ctx, actor)
    return Text(copy("leave.ok", first_name=member.first_name))


async def pause(ctx: Context, member: MemberRow, command: Pause) -> Message:
    member.status = MemberStatus.PAUSED.value
    member.paused_until = command.until
    return Text(copy("pause.ok", first_name=member.first_name, until=day_text(command.until)))


async def resume(ctx: Context, member: MemberRow, _command: Resume) -> Message:
    if member.status != MemberStatus.PAUSED.value:
        return Text(copy("resume.not_paused", first_name=member.first_name))
    member.status = MemberStatus.ACTIVE.value
    member.paused_until = None
    return Text(
        copy("resume.ok", first_name=member.first_name, next_round=await ctx.next_round_text())
    )


async def set_team(
    ctx: Context, member: MemberRow, command: SetTeam, actor: Actor | None = None
) -> Message:
    if actor is not None and actor.platform_team is not None:
        # The platform decides (a team role): the next sync would undo a change made here.
        return Text(copy("team.from_role", first_name=member.first_name, team=actor.platform_team))
    member.team = str(command.team)
    return Text(copy("team.ok", first_name=member.first_name, team=str(command.team)))


def about(member: MemberRow, command: About) -> Message:
    """Set, clear or show the line shown under the member's name in introductions."""
    name = member.first_name
    if command.text is None:
        if member.about:
            return Text(copy("about.shown", first_name=name, about=member.about))
        return Text(copy("about.none", first_name=name))
    member.about = command.text
    if not command.text:
        return Text(copy("about.cleared", first_name=name))
    return Text(copy("about.ok", first_name=name, about=command.text))


def hours(member: MemberRow, command: SetHours) -> Message:
    """Set, reset or show the member's working hours, inside which meeting slots are offered."""
    name = member.first_name
    if command.hours is not None:
        member.hours = command.hours.stored()
        return Text(copy("hours.ok", first_name=name, hours=str(command.hours)))
    if command.reset:
        member.hours = None
        return Text(copy("hours.reset", first_name=name, hours=str(DEFAULT_HOURS)))
    return Text(copy("hours.shown", first_name=name, hours=hours_text(member)))


def hours_text(member: MemberRow) -> str:
    """ "08:00–16:00", or "09:00–17:00 (the community's)" where the member set none."""
    if member.hours:
        return str(hours_of(member.hours))
    return copy("hours.default", hours=str(DEFAULT_HOURS))


async def status(ctx: Context, member: MemberRow, _command: Status) -> Message:
    return Text(
        copy(
            "status.member",
            first_name=member.first_name,
            state=_state(member),
            team=member.team,
            timezone=member.timezone,
            about=member.about or copy("about.unset"),
            hours=hours_text(member),
            intros=await repo.intro_count(ctx.session, member.id),
            next_round=await ctx.next_round_text(_back_on(member)),
        )
    )


def _back_on(member: MemberRow) -> date | None:
    """The first day a paused member takes part in a round again."""
    paused = member.status == MemberStatus.PAUSED.value
    return member.paused_until if paused else None


def _state(member: MemberRow) -> str:
    if member.status == MemberStatus.PAUSED.value:
        until: date | None = member.paused_until
        return copy("state.paused", until=day_text(until)) if until else copy("state.paused_open")
    if member.status == MemberStatus.OPTED_OUT.value:
        return copy("state.opted_out")
    if member.status == MemberStatus.LEFT.value:
        return copy("state.left")
    return copy("state.active")


def takes_part(info: MemberInfo) -> bool:
    """Who the platform's list may enrol: people, not bots; members, not guests; active accounts."""
    return not (info.bot or info.guest or info.deactivated)


def home(member: MemberRow | None, status_text: str, *, admin_text: str = "") -> Choices:
    """The App Home / profile view: one's status and the buttons to change it."""
    buttons: list[Button] = []
    if member is None or member.status in (MemberStatus.OPTED_OUT.value, MemberStatus.LEFT.value):
        buttons.append(Button(copy("home.join"), "join"))
    else:
        buttons.append(Button(copy("home.pause"), "pause", "2 weeks"))
        buttons.append(Button(copy("home.leave"), "leave"))
    body = status_text if not admin_text else f"{status_text}\n\n{admin_text}"
    return Choices(body, tuple(buttons))


def known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
