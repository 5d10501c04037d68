"""Meeting again: after "We met", a group can choose to meet again in six weeks.

The first "We met" in a group asks the whole group (in its conversation) whether to meet again.
When every member says yes, one short reminder goes to the group six weeks later — outside
rounds, through the outbox with a key of its own, so it is sent once and pairing never sees it
as a group (it is no repeat). One no ends it quietly: only the one who said it hears back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot.calendar import day_text, local_date
from bot.clock import as_utc
from bot.delivery.outbox import enqueue
from bot.domain import MemberStatus, first_name_of
from bot.events import Actor
from bot.ids import parse_id
from bot.messages import Button, Choices, Message, Text
from bot.services.context import Context
from bot.store import repo
from bot.store.models import GroupRow, OutcomeRow, RoundRow
from bot.store.ties import AGREED, ASKED, DECLINED, MeetAgainAnswerRow, MeetAgainRow
from bot.texts import copy

log = logging.getLogger(__name__)

AGAIN_AFTER = timedelta(weeks=6)
ACTION = "meet_again"


def ask_key(group_id: int) -> str:
    return f"meet-again-ask:{group_id}"


def reminder_key(group_id: int) -> str:
    return f"meet-again:{group_id}"


async def offer(ctx: Context, group: GroupRow) -> bool:
    """Ask the group whether to meet again (once per group); whether it was asked now."""
    if await ctx.session.get(MeetAgainRow, group.id) is not None:
        return False
    people = list(await repo.group_members(ctx.session, group.id))
    if len(people) < 2:
        return False
    ctx.session.add(MeetAgainRow(group_id=group.id, community_id=ctx.community.id, state=ASKED))
    await ctx.session.flush()
    await enqueue(
        ctx.session,
        community_id=ctx.community.id,
        key=ask_key(group.id),
        kind="followup",
        message=ask_message(group.id, [p.first_name for p in people]),
        people=[p.platform_id for p in people],
        group_id=group.id,
    )
    return True


def ask_message(group_id: int, first_names: list[str]) -> Choices:
    """The question to a group that met: meet again in six weeks, yes or no."""
    return Choices(
        copy("meet_again.ask", names=_names(first_names)),
        (
            Button(copy("meet_again.yes"), ACTION, f"{group_id}:yes"),
            Button(copy("meet_again.no"), ACTION, f"{group_id}:no"),
        ),
    )


async def answer(ctx: Context, actor: Actor, value: str) -> Message:
    """Record a member's yes or no (``"<group id>:yes|no"``) while the group has not decided."""
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    first_name = member.first_name if member else first_name_of(actor.display_name)
    group_part, _, said = value.partition(":")
    group_id = parse_id(group_part)
    if group_id is None or said not in ("yes", "no"):
        return Text(copy("meet_again.junk", first_name=first_name, value=value[:40]))
    asked = await ctx.session.get(MeetAgainRow, group_id)
    if asked is None or asked.community_id != ctx.community.id:
        return Text(copy("meet_again.unknown", first_name=first_name, id=group_id))
    people = list(await repo.group_members(ctx.session, group_id))
    if (
        member is None
        or member.status in (MemberStatus.OPTED_OUT.value, MemberStatus.LEFT.value)
        or all(p.id != member.id for p in people)
    ):
        return Text(copy("followup.not_in_group", first_name=first_name, id=group_id))
    if asked.state == AGREED:
        return Text(copy("meet_again.settled_yes", first_name=first_name, when=_when(ctx, asked)))
    if asked.state == DECLINED:
        return Text(copy("meet_again.settled_no", first_name=first_name))
    yes = said == "yes"
    existing = await ctx.session.get(MeetAgainAnswerRow, (group_id, member.id))
    if existing is None:
        ctx.session.add(MeetAgainAnswerRow(group_id=group_id, member_id=member.id, yes=yes))
    else:
        existing.yes = yes
    await ctx.session.flush()
    if not yes:
        asked.state = DECLINED
        log.info("community %s: group %s will not meet again", ctx.community.id, group_id)
        return Text(copy("meet_again.declined", first_name=first_name))
    said_yes = set(
        (
            await ctx.session.scalars(
                select(MeetAgainAnswerRow.member_id).where(
                    MeetAgainAnswerRow.group_id == group_id, MeetAgainAnswerRow.yes.is_(True)
                )
            )
        ).all()
    )
    if any(p.id not in said_yes for p in people):
        return Text(copy("meet_again.waiting", first_name=first_name))
    asked.state = AGREED
    asked.remind_at = ctx.clock() + AGAIN_AFTER
    log.info("community %s: group %s will meet again", ctx.community.id, group_id)
    return Text(copy("meet_again.agreed", first_name=first_name, when=_when(ctx, asked)))


async def remind_due(ctx: Context) -> int:
    """Queue the reminder of every group whose time to meet again has come; how many."""
    now = ctx.clock()
    due = (
        await ctx.session.scalars(
            select(MeetAgainRow)
            .where(
                MeetAgainRow.community_id == ctx.community.id,
                MeetAgainRow.state == AGREED,
                MeetAgainRow.reminded.is_(False),
            )
            .order_by(MeetAgainRow.group_id)
        )
    ).all()
    sent = 0
    for row in due:
        if row.remind_at is None or as_utc(row.remind_at) > now:
            continue
        row.reminded = True
        people = list(await repo.group_members(ctx.session, row.group_id))
        if len(people) < 2:
            continue  # someone has since asked to be forgotten: nobody left to meet
        await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=reminder_key(row.group_id),
            kind="reminder",
            message=Text(copy("meet_again.reminder", names=_names([p.first_name for p in people]))),
            people=[p.platform_id for p in people],
            group_id=row.group_id,
        )
        sent += 1
    return sent


@dataclass(frozen=True)
class Lasting:
    """Introductions so far, how many of them met, and how many of those chose to meet again."""

    introductions: int
    met: int
    again: int


async def lasting(ctx: Context) -> Lasting:
    community = ctx.community.id
    introductions = await ctx.session.scalar(
        select(func.count(GroupRow.id))
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .where(RoundRow.community_id == community)
    )
    met = await ctx.session.scalar(
        select(func.count(func.distinct(OutcomeRow.group_id)))
        .join(GroupRow, GroupRow.id == OutcomeRow.group_id)
        .join(RoundRow, RoundRow.id == GroupRow.round_id)
        .where(RoundRow.community_id == community, OutcomeRow.outcome == "met")
    )
    again = await ctx.session.scalar(
        select(func.count())
        .select_from(MeetAgainRow)
        .where(MeetAgainRow.community_id == community, MeetAgainRow.state == AGREED)
    )
    return Lasting(int(introductions or 0), int(met or 0), int(again or 0))


def _when(ctx: Context, row: MeetAgainRow) -> str:
    assert row.remind_at is not None
    return day_text(local_date(as_utc(row.remind_at), ctx.community.timezone))


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
