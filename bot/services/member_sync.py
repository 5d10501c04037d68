"""Keeping a community's members in line with its channel on the platform.

The platform's list (``Chat.members``) says who is in the channel now, with each person's facts;
this module decides: people join, people who left the channel (or lost its role) are marked
``left`` and come back when they return, someone who said ``leave`` (or whom an admin opted out)
stays out, in the channel or back in it, and bots, guests
and deactivated accounts are left out. A newcomer gets one welcome message, never a second.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.delivery import outbox
from bot.domain import UNASSIGNED, MemberStatus, TeamPath, first_name_of
from bot.events import Actor
from bot.messages import Button, Choices
from bot.ports import MemberInfo
from bot.services.context import Context
from bot.services.membership import enrol, known_zone, new_member, takes_part
from bot.store import repo
from bot.store.models import MemberRow
from bot.texts import copy

log = logging.getLogger(__name__)

IN = (MemberStatus.ACTIVE.value, MemberStatus.PAUSED.value)


@dataclass(frozen=True)
class SyncReport:
    """What a sync did: ``enrolled`` newcomers and returning members, ``updated`` the rest of the
    listed, ``removed`` those marked as left; ``left_out`` counts the listed people who do not
    take part, by reason (bot, guest, deactivated, said leave); ``welcomed`` the messages queued."""

    enrolled: int = 0
    updated: int = 0
    removed: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    welcomed: int = 0


def reason_left_out(info: MemberInfo) -> str | None:
    if info.bot:
        return "bot"
    if info.deactivated:
        return "deactivated"
    if info.guest:
        return "guest"
    return None


async def sync(ctx: Context, infos: Sequence[MemberInfo], *, welcome: bool = False) -> SyncReport:
    """Bring the members in line with the platform's list of the community's channel.

    Newcomers are enrolled (and, with ``welcome``, greeted once); members who had left come back;
    known members get their name, time zone and (where the platform gives one) team refreshed,
    but someone who said `leave` stays out; members no longer listed are marked as left.
    """
    left_out: Counter[str] = Counter()
    listed: dict[str, MemberInfo] = {}
    for info in infos:
        reason = reason_left_out(info)
        if reason is None:
            listed[info.platform_id] = info
        else:
            left_out[reason] += 1
    enrolled = updated = removed = welcomed = 0
    for member in await repo.members(ctx.session, ctx.community.id):
        found = listed.pop(member.platform_id, None)
        if found is None:
            if member.status in IN:
                member.status = MemberStatus.LEFT.value
                member.paused_until = None
                removed += 1
            continue
        member.first_name = first_name_of(found.display_name)
        if found.timezone and known_zone(found.timezone):
            member.timezone = found.timezone
        if path := _team_of(found, member.team):
            member.team = path
        if member.status == MemberStatus.LEFT.value:
            member.status = MemberStatus.ACTIVE.value
            enrolled += 1
        elif member.status == MemberStatus.OPTED_OUT.value:
            left_out["said leave"] += 1
        else:
            updated += 1
    newcomers = [
        new_member(
            ctx,
            Actor(info.platform_id, info.display_name, timezone=info.timezone),
            platform_team(info.team, info.organisation),
        )
        for info in listed.values()
    ]
    ctx.session.add_all(newcomers)  # one flush for them all: a large channel syncs at once
    await ctx.session.flush()
    enrolled += len(newcomers)
    if welcome:
        next_round = await ctx.next_round_text()
        for member in newcomers:
            welcomed += await greet(ctx, member, next_round=next_round)
    return SyncReport(enrolled, updated, removed, dict(left_out), welcomed)


async def arrived(
    ctx: Context, actor: Actor, team: str | None, facts: MemberInfo, *, welcome: bool = False
) -> None:
    """Someone joined the community's channel: enrol them if they take part (greeted once);
    someone opted out (by an admin, or by their own `leave`) stays out."""
    if not takes_part(facts):
        return
    known = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    listed = MemberInfo(
        actor.platform_id, actor.display_name, team=team, organisation=facts.organisation
    )
    path = _team_of(listed, known.team if known else None)
    if known is not None and known.status == MemberStatus.OPTED_OUT.value:
        # An admin's opt-out, or their own `leave`, outlasts leaving and rejoining the channel:
        # only their `join` or an admin's `opt-in` brings them back.
        if path:
            known.team = path
        log.info("community %s: member %s rejoined, stays opted out", ctx.community.id, known.id)
        return
    member = await enrol(ctx, actor, path)
    if welcome:
        await greet(ctx, member)


async def departed(ctx: Context, actor: Actor) -> None:
    """Someone left the community's channel: out until they return (a `leave` stays a leave)."""
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    if member is not None and member.status in IN:
        member.status = MemberStatus.LEFT.value
        member.paused_until = None


async def greet(ctx: Context, member: MemberRow, *, next_round: str | None = None) -> bool:
    """Queue the welcome message to ``member``, once ever: whether it was queued now."""
    key = f"welcome:{ctx.community.id}:{member.platform_id}"
    if await outbox.exists(ctx.session, key):
        return False
    body = copy(
        "welcome.dm",
        first_name=member.first_name,
        community=ctx.community.name,
        next_round=next_round or await ctx.next_round_text(),
    )
    buttons = (Button(copy("home.pause"), "pause", "2 weeks"), Button(copy("home.leave"), "leave"))
    await outbox.enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=key,
        kind="welcome",
        message=Choices(body, buttons),
        people=[member.platform_id],
    )
    return True


def platform_team(text: str | None, organisation: str | None = None) -> str | None:
    """A platform's team text as a team path: cut to the limits (and logged) where it is too
    long; None where no team is left in it. Where the platform names the person's
    ``organisation`` (a Slack Connect partner's workspace, a linked Discord server), it is the
    path's top level: ``Globex`` and ``Sales`` make ``Globex/Sales``."""
    if organisation:
        top = organisation.replace("/", "-").strip()
        if top and not _in_organisation(text or "", top):
            text = f"{top}/{text}" if text and text.strip().strip("/") else top
    if not text:
        return None
    clipped = TeamPath.clipped(text)
    if clipped is None:
        log.warning(
            "community member with an empty team (%d characters) left unassigned", len(text)
        )
        return None
    if str(clipped) != "/".join(p.strip() for p in text.strip().strip("/").split("/")):
        log.warning(
            "community member's team (%d characters) cut to the limits: %d levels",
            len(text),
            len(clipped.parts),
        )
    return str(clipped)


def _team_of(info: MemberInfo, current: str | None) -> str | None:
    """The team path the platform's facts give someone now in ``current``: the platform's
    team, inside their organisation where it names one; where it names an organisation and no
    team, the team they chose, moved inside it (None: keep ``current``)."""
    team = info.team
    if info.organisation and not team and current and current != str(UNASSIGNED):
        team = current  # a team they chose stays theirs, inside their organisation
    if not team and not info.organisation:
        return None
    return platform_team(team, info.organisation)


def _in_organisation(team: str, organisation: str) -> bool:
    """Whether a team path already starts at ``organisation``."""
    first = team.strip().strip("/").split("/")[0].strip()
    return first.casefold() == organisation.replace("/", "-").strip().casefold()
