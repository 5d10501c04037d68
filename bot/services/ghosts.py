"""No ghosts: a member who answers none of three introductions in a row is paused.

An introduction is answered by a tap on one of its buttons, or a message in its group's
conversation (a Slack group DM or a reply in its threads, a Discord thread) — or, for a group by
direct messages (``bot.ports.DIRECT``: a Discord group where threads are refused, or across
linked servers), a direct message to the bot from one of its people. At each round, a
member whose last three introductions went unanswered is paused and told privately, once, with
a one-tap "Keep me in"; the digest counts them. One whose last two went unanswered is likely
quiet: the round makes them the extra member of a group of others (:mod:`bot.pairing.quiet`),
so that nobody waits alone in a pair with them. Coming back ("Keep me in", `resume`, `join`)
starts their count afresh.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import enqueue
from bot.domain import MemberStatus, first_name_of
from bot.events import ButtonPressed, ConversationMessage, DirectMessage, MessagePosted
from bot.ids import parse_id
from bot.messages import Button, Choices, Message, Text
from bot.pairing import Candidate, PairingSettings, PastGroup
from bot.pairing.quiet import place_quiet
from bot.ports import ConversationRef
from bot.services.context import Context
from bot.store import repo
from bot.store.models import CommunityRow, GroupMemberRow, GroupRow, MemberRow, RoundRow
from bot.store.standing import GroupAnswerRow, StandingRow, standing_of
from bot.texts import copy

log = logging.getLogger(__name__)

QUIET_AFTER = 3  # unanswered introductions in a row that pause a member
LIKELY_AFTER = 2  # … that make them likely quiet: the extra member of a group
LOOK_BACK = timedelta(weeks=26)  # introductions older than this are not counted
# The buttons of an introduction, whose value begins with its group's id ("12:met"): every
# button an introduction or its group's later messages carry belongs here.
GROUP_ACTIONS = frozenset({"outcome", "meet_again", "slot"})  # any tap in the intro

Groups = list[tuple[str, ...]]
Heard = ButtonPressed | MessagePosted | ConversationMessage


async def heard(ctx: Context, event: Heard) -> None:
    """Note that the actor answered the introduction the event belongs to, if one of theirs."""
    if isinstance(event, ButtonPressed):
        if event.action not in GROUP_ACTIONS:
            return
        group_id = parse_id(event.value.partition(":")[0])
    else:
        places = {event.where.channel}
        places.add(event.thread if isinstance(event, MessagePosted) else event.conversation)
        group_id = await ctx.session.scalar(
            select(func.max(GroupRow.id))
            .join(RoundRow, RoundRow.id == GroupRow.round_id)
            .where(
                RoundRow.community_id == ctx.community.id,
                GroupRow.conversation_id.in_(sorted(p for p in places if p)),
            )
        )
    if group_id is None:
        return
    member = await repo.get_member(ctx.session, ctx.community.id, event.actor.platform_id)
    if member is None:
        return
    mine = await ctx.session.get(GroupMemberRow, (group_id, member.id))
    if mine is not None and await ctx.session.get(GroupAnswerRow, (group_id, member.id)) is None:
        ctx.session.add(GroupAnswerRow(group_id=group_id, member_id=member.id))
        await ctx.session.flush()


async def heard_directly(session: AsyncSession, event: DirectMessage) -> int:
    """A person wrote to the bot directly: in each community of the platform they are a member
    of, their open introductions that went out by direct messages count as answered — those of
    the latest round they were introduced in (a weekly round's, and any on demand after it). How
    many answers this adds (none for a redelivered message)."""
    members = await session.scalars(
        select(MemberRow)
        .join(CommunityRow, CommunityRow.id == MemberRow.community_id)
        .where(
            CommunityRow.platform == event.platform.value,
            MemberRow.platform_id == event.actor.platform_id,
        )
    )
    added = 0
    for member in members.all():
        rows = await session.execute(
            select(GroupRow.id, GroupRow.conversation_id, RoundRow.number)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .join(RoundRow, RoundRow.id == GroupRow.round_id)
            .where(
                GroupMemberRow.member_id == member.id, RoundRow.community_id == member.community_id
            )
            .order_by(RoundRow.number.desc(), GroupRow.id.desc())
            .limit(QUIET_AFTER)
        )
        found = rows.all()
        for group_id, conversation, number in found:
            if number != found[0].number or conversation is None:
                continue
            if not ConversationRef(conversation).by_direct_messages:
                continue
            if await session.get(GroupAnswerRow, (group_id, member.id)) is None:
                session.add(GroupAnswerRow(group_id=group_id, member_id=member.id))
                added += 1
                log.info(
                    "community %s: member %s answered by direct message",
                    member.community_id,
                    member.id,
                )
    await session.flush()
    return added


async def sort_out(
    ctx: Context, members: Sequence[MemberRow], on: date
) -> tuple[list[MemberRow], frozenset[str]]:
    """Before a round on ``on``: pause (and tell) the quiet among ``members``; the others, and
    the ids of the likely quiet among them."""
    latest = await ctx.session.scalar(select(func.max(GroupRow.id))) or 0
    for member in members:  # back by `resume` or `join` since they were paused: count afresh
        standing = await ctx.session.get(StandingRow, member.id)
        if standing is not None and standing.quiet_paused_on is not None:
            standing.quiet_paused_on = None
            standing.counts_after_group = latest
    streaks = await _streaks(ctx, on)
    staying: list[MemberRow] = []
    likely: set[str] = set()
    for member in members:
        streak = streaks.get(member.id, 0)
        if streak < QUIET_AFTER:
            staying.append(member)
            if streak >= LIKELY_AFTER:
                likely.add(member.platform_id)
            continue
        member.status = MemberStatus.PAUSED.value
        member.paused_until = None
        (await standing_of(ctx.session, member.id)).quiet_paused_on = on
        await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=f"quiet:{ctx.community.id}:{member.id}:{on.isoformat()}",
            kind="notice",
            message=Choices(
                copy("quiet.paused", first_name=member.first_name, n=QUIET_AFTER),
                (Button(copy("quiet.keep_me_in"), "keep_me_in", "in"),),
            ),
            people=[member.platform_id],
        )
        log.info("community %s: member %s paused for not answering", ctx.community.id, member.id)
    return staying, frozenset(likely)


async def _streaks(ctx: Context, on: date) -> dict[int, int]:
    """For each member with recent introductions: how many of their latest, up to QUIET_AFTER,
    went unanswered in a row (counting only those since they last came back)."""
    rows = await ctx.session.execute(
        select(GroupMemberRow.member_id, GroupAnswerRow.member_id)
        .join(GroupRow, GroupRow.id == GroupMemberRow.group_id)
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .outerjoin(
            GroupAnswerRow,
            (GroupAnswerRow.group_id == GroupMemberRow.group_id)
            & (GroupAnswerRow.member_id == GroupMemberRow.member_id),
        )
        .outerjoin(StandingRow, StandingRow.member_id == GroupMemberRow.member_id)
        .where(
            RoundRow.community_id == ctx.community.id,
            RoundRow.run_on >= on - LOOK_BACK,
            GroupMemberRow.group_id > func.coalesce(StandingRow.counts_after_group, 0),
        )
        .order_by(GroupMemberRow.member_id, GroupMemberRow.group_id.desc())
    )
    streaks: dict[int, int] = {}
    seen: dict[int, int] = {}
    for member_id, answered in rows.all():
        seen[member_id] = seen.get(member_id, 0) + 1
        if seen[member_id] > QUIET_AFTER or streaks.get(member_id, 0) < seen[member_id] - 1:
            continue  # past the latest few, or an answer broke the streak
        if answered is None:
            streaks[member_id] = streaks.get(member_id, 0) + 1
    return streaks


async def pair_around(
    present: list[Candidate],
    quiet: frozenset[str],
    pair: Callable[[list[Candidate]], Awaitable[Groups]],
    history: Sequence[PastGroup],
    settings: PairingSettings,
    number: int,
) -> Groups:
    """The round's groups (made by ``pair``), the likely quiet each joining a group of others
    while such groups last; those left over make groups of their own."""
    silent = sorted((c for c in present if c.id in quiet), key=lambda c: c.id)
    others = [c for c in present if c.id not in quiet]
    if not silent or len(others) < 2:
        return await pair(present)
    groups = await pair(others)
    joining, over = silent[: len(groups)], silent[len(groups) :]
    leftover: Groups = []
    if len(over) >= 2:
        leftover = await pair(over)
    else:
        joining += over
    return place_quiet(groups, joining, others, history, settings, number) + leftover


async def keep_me_in(ctx: Context, pressed: ButtonPressed) -> Message:
    """The tap on "Keep me in": a member paused for not answering takes part again."""
    member = await repo.get_member(ctx.session, ctx.community.id, pressed.actor.platform_id)
    if member is None:
        first_name = first_name_of(pressed.actor.display_name)
        return Text(copy("error.not_member", first_name=first_name))
    standing = await ctx.session.get(StandingRow, member.id)
    if (
        standing is None
        or standing.quiet_paused_on is None
        or member.status != MemberStatus.PAUSED.value
    ):
        return Text(copy("quiet.not_paused", first_name=member.first_name))
    member.status = MemberStatus.ACTIVE.value
    member.paused_until = None
    standing.quiet_paused_on = None
    standing.counts_after_group = await ctx.session.scalar(select(func.max(GroupRow.id))) or 0
    return Text(copy("quiet.kept_in", first_name=member.first_name))


async def paused_count(ctx: Context) -> int:
    """How many of the community's members are paused for not answering."""
    count = await ctx.session.scalar(
        select(func.count())
        .select_from(MemberRow)
        .join(StandingRow, StandingRow.member_id == MemberRow.id)
        .where(
            MemberRow.community_id == ctx.community.id,
            MemberRow.status == MemberStatus.PAUSED.value,
            StandingRow.quiet_paused_on.is_not(None),
        )
    )
    return int(count or 0)
