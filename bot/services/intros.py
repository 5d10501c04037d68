"""A round of cross-team introductions: who is available, the engine's groups, the intros.

The round, its groups and one outbox message per group are written in one transaction, so a
crash either leaves no round or a round whose every intro will be delivered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import update

from bot.delivery.outbox import enqueue
from bot.domain import UNASSIGNED, MemberStatus, Role, TeamPath
from bot.messages import Button, Intro, IntroPerson
from bot.pairing import Candidate, PairingSettings, PastGroup, pair_round
from bot.pairing.leads import leads_this_round, place_leads
from bot.services import ghosts, holdout, left_out, library, meeting
from bot.services.context import Context
from bot.store import repo
from bot.store.models import WEEKLY, GroupMemberRow, GroupRow, MemberRow, RoundRow
from bot.texts import copy

log = logging.getLogger(__name__)

HISTORY_HALF_LIVES = 4
MIN_HISTORY_WEEKS = 104  # with ties that never age: the last two years


@dataclass(frozen=True)
class RoundResult:
    round_id: int
    number: int
    groups: tuple[tuple[str, ...], ...]  # platform ids
    created: bool  # False when a round had already run that day, or none could (number 0)


def intro_key(community_id: int, number: int, position: int) -> str:
    return f"intro:{community_id}:{number}:{position}"


async def available_members(ctx: Context, on: date) -> list[MemberRow]:
    """Members who take part in a round on ``on``: active, or paused until that day or earlier."""
    chosen: list[MemberRow] = []
    for member in await repo.members(ctx.session, ctx.community.id):
        if member.status == MemberStatus.PAUSED.value and member.paused_until is not None:
            if member.paused_until <= on:
                member.status = MemberStatus.ACTIVE.value
                member.paused_until = None
        if member.status == MemberStatus.ACTIVE.value:
            chosen.append(member)
    return chosen


async def _close_on_demand(ctx: Context, on: date) -> None:
    """On-demand rounds whose follow-up was due a week or more before ``on``: their buttons go
    stale too (a weekly round's go stale when the next begins, four days after its follow-up)."""
    before = on - timedelta(days=ctx.community.followup_days + 7)
    await ctx.session.execute(
        update(RoundRow)
        .where(
            RoundRow.community_id == ctx.community.id,
            RoundRow.kind != WEEKLY,
            RoundRow.closed.is_(False),
            RoundRow.run_on <= before,
        )
        .values(closed=True)
    )


async def run_round(ctx: Context, *, seed: int = 0) -> RoundResult:
    """Run today's round once: a second call on the same day returns the first round."""
    on = ctx.today
    existing = await repo.round_on(ctx.session, ctx.community.id, on)
    if existing is not None:
        earlier = await repo.past_groups(ctx.session, ctx.community.id, existing.number)
        same = tuple(ids for number, ids in earlier if number == existing.number)
        return RoundResult(existing.id, existing.number, same, created=False)
    last = await repo.last_round(ctx.session, ctx.community.id)
    number = (last.number if last else 0) + 1
    members, quiet = await ghosts.sort_out(ctx, await available_members(ctx, on), on)
    by_id = {m.platform_id: m for m in members}
    settings = PairingSettings(
        group_size=ctx.community.group_size,
        recency=ctx.community.recency,
        seed=seed,
        half_life_weeks=ctx.community.half_life_weeks,
        today=on,
        untargeted=await holdout.untargeted(ctx, number, members),
    )
    # Ties age: after HISTORY_HALF_LIVES half-lives one counts 1/16; older rounds are left out.
    weeks = max(HISTORY_HALF_LIVES * settings.half_life_weeks, MIN_HISTORY_WEEKS)
    history = [
        PastGroup(round_index=n, members=ids, on=day)
        for n, day, ids in await repo.past_groups_on(
            ctx.session, ctx.community.id, on - timedelta(weeks=weeks)
        )
    ]
    # The recency window counts rounds, whatever their days.
    history += [
        PastGroup(round_index=n, members=ids)
        for n, ids in await repo.past_groups(
            ctx.session, ctx.community.id, number - settings.recency
        )
        if n < min((g.round_index for g in history), default=number)
    ]
    candidates = [
        Candidate(
            id=m.platform_id,
            team=TeamPath.parse(m.team),
            timezone=m.timezone,
            never_with=frozenset(m.never_with),
        )
        for m in members
    ]
    if len(candidates) < 2:
        log.info("community %s: no round, %s available", ctx.community.id, len(candidates))
        return RoundResult(0, 0, (), created=False)
    first = await left_out.first_in_line(ctx)

    async def pair(present: list[Candidate]) -> list[tuple[str, ...]]:
        return await _pair(ctx, present, history, settings, number)

    groups, left = await left_out.place(
        candidates,
        first,
        lambda present: ghosts.pair_around(present, quiet, pair, history, settings, number),
    )
    if last is not None:
        last.closed = True  # its follow-up buttons go stale from now on
    await _close_on_demand(ctx, on)
    round_row = RoundRow(community_id=ctx.community.id, number=number, run_on=on, closed=False)
    ctx.session.add(round_row)
    await ctx.session.flush()
    for position, ids in enumerate(groups):
        group = GroupRow(round_id=round_row.id, position=position)
        ctx.session.add(group)
        await ctx.session.flush()
        people = [by_id[i] for i in ids]
        ctx.session.add_all(GroupMemberRow(group_id=group.id, member_id=p.id) for p in people)
        await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=intro_key(ctx.community.id, number, position),
            kind="intro",
            message=await meeting.offer(
                ctx,
                group,
                people,
                intro_message(
                    people,
                    group.id,
                    suggester=await _suggester(ctx, people),
                    starter=(await library.next_item(ctx, "starter")).text,
                ),
            ),
            people=[p.platform_id for p in people],
            group_id=group.id,
        )
    await left_out.settle(ctx, members, left, number, on)
    log.info("community %s round %s: %s groups", ctx.community.id, number, len(groups))
    return RoundResult(round_row.id, number, tuple(groups), created=True)


async def _pair(
    ctx: Context,
    candidates: list[Candidate],
    history: list[PastGroup],
    settings: PairingSettings,
    number: int,
) -> list[tuple[str, ...]]:
    """The round's groups; with ``leads-in-groups`` set, the leads whose turn it is join
    cross-team groups of the others (or are paired as members where none fits)."""
    wanted = ctx.community.leads_in_groups
    if wanted > 0:
        present = {c.id for c in candidates}
        granted = await repo.role_holders(ctx.session, ctx.community.id, Role.LEAD)
        turn = set(leads_this_round([p for p in granted if p in present], wanted, number))
        leads = [c for c in candidates if c.id in turn]
        others = [c for c in candidates if c.id not in turn]
        if leads and len(others) >= 2 * len(leads):
            team_of = {
                m.platform_id: TeamPath.parse(m.team)
                for m in await repo.members(ctx.session, ctx.community.id)
            }
            groups = pair_round(others, history, settings, number)
            placed = place_leads(groups, leads, others, team_of, history, settings, number)
            if placed is not None:
                return placed
            log.info("community %s: no group fits the leads this round", ctx.community.id)
    return pair_round(candidates, history, settings, number)


def intro_message(
    people: list[MemberRow], group_id: int, *, suggester: MemberRow, starter: str
) -> Intro:
    names = _names([p.first_name for p in people])
    teams = _names(sorted({team for p in people if (team := _team(p))}))
    greeting = (
        copy("intro.greeting", names=names, teams=teams)
        if teams
        else copy("intro.greeting_teamless", names=names)
    )
    return Intro(
        greeting=greeting,
        people=tuple(IntroPerson(p.first_name, _team(p), p.about) for p in people),
        starter=starter,
        scheduler_note=copy("intro.scheduler", first_name=suggester.first_name),
        buttons=outcome_buttons(group_id),
    )


def _team(member: MemberRow) -> str:
    """The member's team as an intro shows it: "" for none (never "Unassigned")."""
    team = TeamPath.parse(member.team)
    return "" if team == UNASSIGNED else team.name


def outcome_buttons(group_id: int) -> tuple[Button, ...]:
    return (
        Button(copy("intro.met"), "outcome", f"{group_id}:met"),
        Button(copy("intro.not_yet"), "outcome", f"{group_id}:not_yet"),
        Button(copy("intro.skip"), "outcome", f"{group_id}:skipped"),
    )


async def _suggester(ctx: Context, people: list[MemberRow]) -> MemberRow:
    """Who suggests a time: the one who has had the fewest introductions, then the first by id."""
    counts = [(await repo.intro_count(ctx.session, p.id), p.id, p) for p in people]
    return min(counts, key=lambda c: (c[0], c[1]))[2]


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
