"""A holdout (``set holdout 10%``): a random share of never-met team pairs left unsteered for
``HOLDOUT_ROUNDS`` rounds, fixed and stored when it starts, to measure the steering's lift
(:mod:`bot.lift`)."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from itertools import combinations

from sqlalchemy import delete, select

from bot.domain import UNASSIGNED, TeamPath
from bot.lift import HOLDOUT_ROUNDS, Lift, TeamPair, lift_of
from bot.services.context import Context
from bot.store import repo
from bot.store.models import MemberRow
from bot.store.ties import HoldoutPairRow

log = logging.getLogger(__name__)


async def restart(ctx: Context) -> None:
    """Forget the community's holdout: the next round starts a new one (if one is set)."""
    await ctx.session.execute(
        delete(HoldoutPairRow).where(HoldoutPairRow.community_id == ctx.community.id)
    )


async def untargeted(
    ctx: Context, number: int, members: Sequence[MemberRow]
) -> frozenset[TeamPair]:
    """The team pairs held out of round ``number``'s steering. A holdout set and not yet
    started starts now, over the never-met team pairs of ``members`` (those taking part)."""
    if ctx.community.holdout_percent <= 0:
        return frozenset()
    rows = await _pairs(ctx)
    if not rows:
        rows = await _start(ctx, number, members)
    if not rows or not rows[0].first_round <= number < rows[0].first_round + HOLDOUT_ROUNDS:
        return frozenset()
    return frozenset(_pair(row) for row in rows if row.held)


async def estimate(ctx: Context) -> Lift | None:
    """The lift of the steering so far over the community's holdout (None without one)."""
    rows = await _pairs(ctx)
    if not rows:
        return None
    first = rows[0].first_round
    team_of = {
        m.platform_id: TeamPath.parse(m.team)
        for m in await repo.members(ctx.session, ctx.community.id)
    }
    by_round: dict[int, list[tuple[str, ...]]] = {}
    for number, ids in await repo.past_groups(ctx.session, ctx.community.id, first):
        if number < first + HOLDOUT_ROUNDS:
            by_round.setdefault(number, []).append(ids)
    pairs = [(_pair(row), row.held) for row in rows]
    return lift_of(pairs, [by_round[n] for n in sorted(by_round)], team_of)


async def _start(ctx: Context, number: int, members: Sequence[MemberRow]) -> list[HoldoutPairRow]:
    teams = sorted({t for m in members if (t := TeamPath.parse(m.team)) != UNASSIGNED})
    team_of = {
        m.platform_id: TeamPath.parse(m.team)
        for m in await repo.members(ctx.session, ctx.community.id)
    }
    met: set[TeamPair] = set()
    for _, ids in await repo.past_groups(ctx.session, ctx.community.id, 1):
        met.update(combinations(sorted({team_of[i] for i in ids if i in team_of}), 2))
    never = [pair for pair in combinations(teams, 2) if pair not in met]
    if len(never) < 2:
        return []
    rng = random.Random(f"bridgework:holdout:{ctx.community.id}:{number}")
    share = ctx.community.holdout_percent / 100
    held = set(
        rng.sample(range(len(never)), min(len(never) - 1, max(1, round(share * len(never)))))
    )
    rows = [
        HoldoutPairRow(
            community_id=ctx.community.id,
            first_round=number,
            first_team=str(a),
            second_team=str(b),
            held=k in held,
        )
        for k, (a, b) in enumerate(never)
    ]
    ctx.session.add_all(rows)
    log.info(
        "community %s: holdout from round %s, %s of %s never-met team pairs held out",
        ctx.community.id,
        number,
        len(held),
        len(never),
    )
    return rows


async def _pairs(ctx: Context) -> list[HoldoutPairRow]:
    rows = await ctx.session.scalars(
        select(HoldoutPairRow)
        .where(HoldoutPairRow.community_id == ctx.community.id)
        .order_by(HoldoutPairRow.id)
    )
    return list(rows.all())


def _pair(row: HoldoutPairRow) -> TeamPair:
    a, b = TeamPath.parse(row.first_team), TeamPath.parse(row.second_team)
    return (a, b) if a <= b else (b, a)
