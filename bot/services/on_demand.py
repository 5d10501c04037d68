"""Introductions on demand, outside the weekly rounds.

`intro me` puts a member in the community's queue for a day. Each time someone queues, the
engine groups whoever is waiting, by the rules of a round: never-pair lists, no partner from
within the recency window, nobody paused or opted out — and, here, nobody with someone of their
own team. Those grouped are introduced at once; the others wait (a second `intro me` from the
same team is not paired). A facilitator's `suggest @a @b "topic"` introduces people by hand,
with the topic as the starter. Either way the groups belong to the day's on-demand round
(:data:`bot.store.models.ON_DEMAND`), numbered as the weekly round it follows, so that the next
rounds count them as that round's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import delete, select

from bot.delivery.outbox import enqueue
from bot.domain import MemberStatus, TeamPath
from bot.errors import InputError
from bot.events import Actor
from bot.intro_commands import SUGGEST_USAGE, Suggest
from bot.messages import Message, Text
from bot.pairing import Candidate, PairingSettings, PastGroup, pair_round
from bot.services import intros, left_out, library
from bot.services.context import Context
from bot.store import repo
from bot.store.models import ON_DEMAND, GroupMemberRow, GroupRow, MemberRow, RoundRow
from bot.store.standing import QueuedRow
from bot.texts import copy

log = logging.getLogger(__name__)

QUEUE_FOR = timedelta(days=1)


async def intro_me(ctx: Context, member: MemberRow) -> Message:
    """Queue the member; introduce whoever the queue can group now."""
    if member.status != MemberStatus.ACTIVE.value:
        return Text(copy("intro_me.not_active", first_name=member.first_name))
    now = ctx.clock()
    await ctx.session.execute(
        delete(QueuedRow).where(
            QueuedRow.community_id == ctx.community.id, QueuedRow.queued_at < now - QUEUE_FOR
        )
    )
    if await ctx.session.get(QueuedRow, member.id) is not None:
        return Text(copy("intro_me.already", first_name=member.first_name))
    ctx.session.add(QueuedRow(member_id=member.id, community_id=ctx.community.id, queued_at=now))
    await ctx.session.flush()
    waiting = (
        await ctx.session.scalars(
            select(MemberRow)
            .join(QueuedRow, QueuedRow.member_id == MemberRow.id)
            .where(
                QueuedRow.community_id == ctx.community.id,
                MemberRow.status == MemberStatus.ACTIVE.value,
            )
            .order_by(QueuedRow.queued_at, MemberRow.id)
        )
    ).all()
    number, history, settings = await _inputs(ctx)
    recent = {frozenset((a, b)) for g in history for a in g.members for b in g.members if a != b}
    candidates = [
        Candidate(
            id=m.platform_id,
            team=TeamPath.parse(m.team),
            timezone=m.timezone,
            never_with=frozenset(m.never_with)
            | {
                o.platform_id
                for o in waiting
                if o.team == m.team or frozenset((m.platform_id, o.platform_id)) in recent
            }
            - {m.platform_id},
        )
        for m in waiting
    ]

    async def pair(present: list[Candidate]) -> list[tuple[str, ...]]:
        return pair_round(present, history, settings, number)

    keep = {m.platform_id: len(waiting) - at for at, m in enumerate(waiting)}  # first come
    keep[member.platform_id] = len(waiting) + 1  # the one who asks now, first of all
    groups, _ = await left_out.place(candidates, keep, pair)
    by_id = {m.platform_id: m for m in waiting}
    mine: list[MemberRow] = []
    for ids in groups:
        people = [by_id[i] for i in ids]
        greeting = copy("on_demand.greeting", names=_names([p.first_name for p in people]))
        await introduce(ctx, people, starter=None, greeting=greeting)
        await ctx.session.execute(
            delete(QueuedRow).where(QueuedRow.member_id.in_([p.id for p in people]))
        )
        if member in people:
            mine = [p for p in people if p is not member]
    if not mine:
        return Text(copy("intro_me.queued", first_name=member.first_name))
    names = _names([p.first_name for p in mine])
    return Text(copy("intro_me.matched", first_name=member.first_name, names=names))


async def suggest(ctx: Context, actor: Actor, command: Suggest) -> Message:
    """A facilitator's introduction by hand; refused, changing nothing, where it cannot be."""
    if actor.platform_id in command.people:
        _refuse("you can't suggest yourself; mention the people to introduce")
    people: list[MemberRow] = []
    for pid in command.people:
        member = await repo.get_member(ctx.session, ctx.community.id, pid)
        if member is None:
            _refuse(f"I don't know <@{pid}> in this community")
        assert member is not None
        if member.status in (MemberStatus.OPTED_OUT.value, MemberStatus.LEFT.value):
            _refuse(f"{member.first_name} has left introductions")
        if member.status == MemberStatus.PAUSED.value:
            _refuse(f"{member.first_name} is paused")
        people.append(member)
    for member in people:
        clash = [p for p in people if p.platform_id in member.never_with]
        if clash:
            _refuse(f"{member.first_name} asked not to be paired with {clash[0].first_name}")
    greeting = copy("suggest.greeting", names=_names([p.first_name for p in people]))
    await introduce(ctx, people, starter=command.topic, greeting=greeting)
    names = _names([p.first_name for p in people])
    return Text(copy("suggest.done", names=names, topic=command.topic))


def _refuse(problem: str) -> None:
    raise InputError(problem, usage=SUGGEST_USAGE[0], example=SUGGEST_USAGE[1])


async def introduce(
    ctx: Context, people: Sequence[MemberRow], *, starter: str | None, greeting: str
) -> int:
    """Introduce ``people`` now, in the day's on-demand round, with ``greeting``; the new
    group's id."""
    on = ctx.today
    round_row = await repo.round_on(ctx.session, ctx.community.id, on, ON_DEMAND)
    if round_row is None:
        last = await repo.last_round(ctx.session, ctx.community.id)
        round_row = RoundRow(
            community_id=ctx.community.id,
            number=last.number if last else 0,
            kind=ON_DEMAND,
            run_on=on,
            closed=False,
        )
        ctx.session.add(round_row)
        await ctx.session.flush()
    position = len(await repo.groups_of_round(ctx.session, round_row.id))
    group = GroupRow(round_id=round_row.id, position=position)
    ctx.session.add(group)
    await ctx.session.flush()
    ctx.session.add_all(GroupMemberRow(group_id=group.id, member_id=p.id) for p in people)
    message = intros.intro_message(
        list(people),
        group.id,
        suggester=people[0],
        starter=starter or (await library.next_item(ctx, "starter")).text,
    )
    await enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=f"intro-now:{ctx.community.id}:{group.id}",
        kind="intro",
        message=replace(message, greeting=greeting),
        people=[p.platform_id for p in people],
        group_id=group.id,
    )
    log.info("community %s: an on-demand group of %s", ctx.community.id, len(people))
    return group.id


async def _inputs(ctx: Context) -> tuple[int, list[PastGroup], PairingSettings]:
    """The number the day's on-demand groups take, the groups within the recency window, and
    the community's pairing settings."""
    last = await repo.last_round(ctx.session, ctx.community.id)
    number = last.number if last else 0
    settings = PairingSettings(
        group_size=ctx.community.group_size,
        recency=ctx.community.recency,
        half_life_weeks=ctx.community.half_life_weeks,
        today=ctx.today,
    )
    history = [
        PastGroup(round_index=n, members=ids)
        for n, ids in await repo.past_groups(
            ctx.session, ctx.community.id, number + 1 - settings.recency
        )
    ]
    return number, history, settings


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
