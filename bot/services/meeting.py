"""A time to meet: the times an intro offers its group, each member's "This works", and, once
everyone has tapped the same time, the group told once with a calendar invite.

A tap is idempotent: a second tap of the same time, a tap after the group agreed, or a tap on a
time past or of a closed round changes nothing and sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot import ics
from bot.clock import as_utc
from bot.delivery.outbox import enqueue
from bot.domain import MemberStatus, first_name_of
from bot.events import Actor
from bot.ids import parse_id
from bot.messages import Button, Intro, Invite, MeetingTime, Message, Text
from bot.services.context import Context
from bot.slots import SLOT, Person, find_slots, for_each, hours_of, local_label, week_of
from bot.store import repo
from bot.store.models import GroupRow, MemberRow, RoundRow, SlotTapRow
from bot.texts import copy

ACTION = "slot"


def agreed_key(group_id: int) -> str:
    return f"slots-agreed:{group_id}"


async def offer(ctx: Context, group: GroupRow, people: Sequence[MemberRow], intro: Intro) -> Intro:
    """``intro`` with the times that suit all ``people`` this week (kept on the group), or the
    note that none does and an async exchange instead."""
    found = find_slots([Person(_zone(p), hours_of(p.hours)) for p in people], week_of(ctx.clock()))
    group.slots = [moment.isoformat() for moment in found]
    if not found:
        return replace(intro, times_note=copy("slots.none"))
    readers = _readers(people)
    return replace(
        intro,
        times_note=copy("slots.offer"),
        times=tuple(
            MeetingTime(
                moment,
                for_each(moment, readers),
                Button(copy("slots.works"), ACTION, f"{group.id}:{i}"),
            )
            for i, moment in enumerate(found)
        ),
    )


async def tap(ctx: Context, actor: Actor, value: str) -> Message:
    """A member's "This works" on one of their group's times (``"<group id>:<time>"``)."""
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    first_name = member.first_name if member else first_name_of(actor.display_name)
    group_part, _, slot_part = value.partition(":")
    group_id = parse_id(group_part)
    slot = int(slot_part) if slot_part.isdigit() and len(slot_part) <= 2 else None
    if group_id is None or slot is None:
        return Text(copy("slots.junk", first_name=first_name, value=value[:40]))
    group = await ctx.session.scalar(
        select(GroupRow).where(GroupRow.id == group_id).with_for_update()
    )
    round_row = await ctx.session.get(RoundRow, group.round_id) if group else None
    if group is None or round_row is None or round_row.community_id != ctx.community.id:
        return Text(copy("followup.unknown", first_name=first_name, id=group_part))
    people = await repo.group_members(ctx.session, group.id)
    if (
        member is None
        or member.status in (MemberStatus.OPTED_OUT.value, MemberStatus.LEFT.value)
        or all(p.id != member.id for p in people)
    ):
        return Text(copy("followup.not_in_group", first_name=first_name, id=group_part))
    if slot >= len(group.slots):
        return Text(copy("slots.junk", first_name=first_name, value=value[:40]))
    starts = datetime.fromisoformat(group.slots[slot])
    if group.agreed_at is not None:
        when = local_label(as_utc(group.agreed_at), _zone(member))
        return Text(copy("slots.already", first_name=first_name, when=when))
    if round_row.closed or starts <= ctx.clock():
        return Text(copy("slots.stale", first_name=first_name))
    tapped = set(
        await ctx.session.scalars(
            select(SlotTapRow.member_id).where(
                SlotTapRow.group_id == group.id, SlotTapRow.slot == slot
            )
        )
    )
    if member.id not in tapped:
        ctx.session.add(SlotTapRow(group_id=group.id, member_id=member.id, slot=slot))
        tapped.add(member.id)
    when = local_label(starts, _zone(member))
    waiting = [p.first_name for p in people if p.id not in tapped]
    if waiting:
        return Text(copy("slots.noted", first_name=first_name, when=when, waiting=_names(waiting)))
    group.agreed_at = starts
    await enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=agreed_key(group.id),
        kind="slots",
        message=invite(ctx, group, people, starts),
        people=[p.platform_id for p in people],
        group_id=group.id,
    )
    return Text(copy("slots.agreed_reply", first_name=first_name, when=when))


def invite(ctx: Context, group: GroupRow, people: Sequence[MemberRow], starts: datetime) -> Invite:
    """The group's message with the agreed time in each member's own, and its .ics."""
    names = _names([p.first_name for p in people])
    shown = for_each(starts, _readers(people))
    calendar = ics.invite(
        uid=f"bridgework-{ctx.community.id}-{group.id}@bridgework",
        stamp=ctx.clock(),
        starts=starts,
        length=SLOT,
        summary=copy("slots.ics_summary", names=names),
        text=copy("slots.ics_description", names=names),
    )
    return Invite(
        body=copy("slots.agreed", names=names, when=shown),
        ics=calendar,
        filename=f"bridgework-meeting-{group.id}.ics",
    )


def _readers(people: Sequence[MemberRow]) -> list[tuple[str, str]]:
    return [(p.first_name, _zone(p)) for p in people]


def _zone(member: MemberRow) -> str:
    """The member's time zone, or UTC where what is stored names none."""
    try:
        ZoneInfo(member.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return "UTC"
    return member.timezone


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
