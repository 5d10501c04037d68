"""Nobody left out silently: whom a round cannot place is told so, and goes first next round.

When the never-pair lists leave no way to group everyone, the round leaves out as few people as
it must, one at a time: never one who is first in line (left out of the round before) while
another will do, and first the one whose never-pair lists clash with most of the others present.
Each one left out is told privately that they are first in line for the next round; the next
round that places them clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date

from sqlalchemy import select

from bot.delivery.outbox import enqueue
from bot.errors import InputError
from bot.messages import Text
from bot.pairing import Candidate
from bot.services.context import Context
from bot.store.models import MemberRow
from bot.store.standing import StandingRow, standing_of
from bot.texts import copy

log = logging.getLogger(__name__)

Groups = list[tuple[str, ...]]


async def first_in_line(ctx: Context) -> frozenset[str]:
    """The platform ids of the community's members whom the last round could not place."""
    rows = await ctx.session.scalars(
        select(MemberRow.platform_id)
        .join(StandingRow, StandingRow.member_id == MemberRow.id)
        .where(MemberRow.community_id == ctx.community.id, StandingRow.left_out_on.is_not(None))
    )
    return frozenset(rows.all())


async def place(
    candidates: Sequence[Candidate],
    first: Mapping[str, int] | frozenset[str],
    pair: Callable[[list[Candidate]], Awaitable[Groups]],
) -> tuple[Groups, list[str]]:
    """The groups ``pair`` makes of as many ``candidates`` as it can, and the ids left out.

    ``first`` ranks whom to keep: those it names (or ranks higher) are left out last."""
    rank = first if isinstance(first, Mapping) else dict.fromkeys(first, 1)
    present = list(candidates)
    left: list[str] = []
    while len(present) >= 2:
        try:
            return await pair(present), left
        except InputError:
            clashes = _clashes(present)
            if not clashes:
                raise
            out = min(clashes, key=lambda pid: (rank.get(pid, 0), -clashes[pid], pid))
            left.append(out)
            present = [c for c in present if c.id != out]
    return [], left + [c.id for c in present]


def _clashes(candidates: Sequence[Candidate]) -> dict[str, int]:
    """For each candidate in a never-pair with another present, how many such others."""
    ids = {c.id for c in candidates}
    pairs = {
        frozenset((c.id, other))
        for c in candidates
        for other in c.never_with
        if other in ids and other != c.id
    }
    counts: dict[str, int] = {}
    for pair in pairs:
        for pid in pair:
            counts[pid] = counts.get(pid, 0) + 1
    return counts


async def settle(
    ctx: Context, members: Sequence[MemberRow], left: Sequence[str], number: int, on: date
) -> None:
    """After round ``number``: the placed are no longer first in line; each one left out is, and
    is told so privately (once per round)."""
    out = set(left)
    for member in members:
        standing = await ctx.session.get(StandingRow, member.id)
        if member.platform_id not in out:
            if standing is not None:
                standing.left_out_on = None
            continue
        (await standing_of(ctx.session, member.id)).left_out_on = on
        await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=f"left-out:{ctx.community.id}:{number}:{member.platform_id}",
            kind="notice",
            message=Text(copy("left_out.notice", first_name=member.first_name)),
            people=[member.platform_id],
        )
    if out:
        log.info("community %s round %s: %s left out", ctx.community.id, number, len(out))
